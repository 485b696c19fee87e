"""Log-in, log-out, password reset, invitations and the language switch."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from dualflow import mail, tokens
from dualflow.accounts import services
from dualflow.accounts.forms import (
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
    SignInLinkForm,
)
from dualflow.errors import DomainError
from dualflow.extensions import db, limiter
from dualflow.web import absolute_url, form_status, safe_next

bp = Blueprint("accounts", __name__)


def _fresh_session() -> None:
    """Start a new session (no fixation, nothing left over), keeping the chosen language."""
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language


def _sign_in(user, *, remember: bool = False) -> None:
    """Every way in: a new cookie session bound to a new server-side session."""
    _fresh_session()
    services.start_session(db.session, user, remember=remember)
    login_user(user, remember=remember)
    session.permanent = True


def _login_email_key() -> str:
    return "login-email:" + services.normalise_email(request.form.get("email", ""))


def _login_ip_key() -> str:
    return "login-ip:" + (request.remote_addr or "unknown")


def _failed_login(_response) -> bool:
    return bool(g.get("login_failed"))


def _login_limit() -> str:
    return f"{current_app.config['LOGIN_ATTEMPTS_PER_MINUTE']} per minute"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=_login_ip_key, methods=["POST"], deduct_when=_failed_login,
               scope="login-ip")
@limiter.limit(_login_limit, key_func=_login_email_key, methods=["POST"],
               deduct_when=_failed_login, scope="login-email")
def login():
    """Sign in with e-mail address and password."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    if request.method == "GET" and request.args.get("link"):
        # The form asking for a sign-in link by e-mail; it posts to /login/link.
        return render_template("accounts/sign_in_link.html", form=SignInLinkForm())
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.authenticate(
            db.session, email=form.email.data, password=form.password.data
        )
        if user is not None:
            _sign_in(user, remember=bool(form.remember.data))
            return redirect(safe_next(form.next.data) or url_for("dashboard.home"))
        g.login_failed = True
        form.password.errors.append(_("Dit e-mailadres en wachtwoord horen niet bij elkaar."))
    status = form_status()
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """Sign out and forget the session."""
    services.end_session(db.session, current_user._get_current_object())
    # Clear first: logout_user() leaves the mark that deletes the remember-me cookie in the session.
    _fresh_session()
    logout_user()
    flash(_("Je bent afgemeld."), "success")
    return redirect(url_for("accounts.login"))


def _mail(user, template: str, **context) -> None:
    with force_locale(user.language):
        mail.queue(
            db.session,
            kind=template,
            to=user.email,
            subject=render_template(f"mail/{template}.subject.txt", user=user, **context).strip(),
            text=render_template(f"mail/{template}.txt", user=user, **context),
            html=render_template(f"mail/{template}.html", user=user, **context),
        )


def send_invitation(user, raw: str, inviter) -> None:
    """E-mail the invitation link to a new user."""
    link = absolute_url("accounts.accept_invitation", token=raw)
    _mail(user, "invitation", link=link, inviter=inviter,
          days=current_app.config["INVITATION_DAYS"])


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"], key_func=_login_ip_key, scope="forgot")
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the address is known."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        issued = services.request_password_reset(db.session, email=form.email.data)
        if issued:
            user, raw = issued
            link = absolute_url("accounts.reset_password", token=raw)
            _mail(user, "password_reset", link=link,
                  hours=current_app.config["PASSWORD_RESET_HOURS"])
        flash(
            _("Als er een account bestaat voor dit adres, is er een e-mail met een link "
              "onderweg. De link blijft %(hours)d uur geldig.",
              hours=current_app.config["PASSWORD_RESET_HOURS"]),
            "info",
        )
        return redirect(url_for("accounts.login"))
    status = form_status()
    return render_template("accounts/forgot_password.html", form=form), status


@bp.post("/login/link")
@limiter.limit("10 per hour", key_func=_login_ip_key, scope="sign-in-link")
def request_sign_in_link():
    """Ask for a sign-in link; the answer is the same whether or not the address is known."""
    form = SignInLinkForm()
    if form.validate_on_submit():
        issued = services.request_sign_in_link(db.session, email=form.email.data)
        if issued:
            user, link = issued
            _mail(user, "sign_in_link", link=link, minutes=services.SIGN_IN_LINK_MINUTES)
        flash(
            _("Als er een account bestaat voor dit adres, is er een e-mail met een aanmeldlink "
              "onderweg. De link blijft %(minutes)d minuten geldig.",
              minutes=services.SIGN_IN_LINK_MINUTES),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/sign_in_link.html", form=form), 422


@bp.route("/login/link/<token>", methods=["GET", "POST"])
def sign_in_with_link(token: str):
    """Confirm, with a button, to sign in through an e-mailed single-use link.

    Only the POST uses the link: mail scanners that fetch links in advance do not burn it.
    """
    g.no_store = True
    user = services.sign_in_link_user(db.session, token)
    if user is None:
        return render_template("accounts/link_invalid.html", sign_in=True), 410
    if request.method == "POST":
        # CSRFProtect has checked the form's token already.
        user = services.sign_in_with_link(db.session, raw=token)
        if user is None:
            return render_template("accounts/link_invalid.html", sign_in=True), 410
        _sign_in(user)
        # Reminder mails add ?next= so that one tap opens the evaluation itself.
        return redirect(safe_next(request.args.get("next")) or url_for("dashboard.home"))
    return render_template("accounts/sign_in_confirm.html", user=user)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password through an e-mailed single-use link."""
    if tokens.peek(db.session, raw=token, purpose="password_reset") is None:
        return render_template("accounts/link_invalid.html"), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(db.session, raw=token, password=form.password.data)
        except DomainError as error:
            form.password.errors.append(error.message)
        else:
            logout_user()
            flash(_("Je wachtwoord is gewijzigd. Meld je aan met je nieuwe wachtwoord."), "success")
            return redirect(url_for("accounts.login"))
    status = form_status()
    return render_template("accounts/new_password.html", form=form, invitation=False), status


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Activate an invited account by choosing a password."""
    user = services.invitation_user(db.session, token)
    if user is None:
        return render_template("accounts/link_invalid.html", invitation=True), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(db.session, raw=token, password=form.password.data)
        except DomainError as error:
            form.password.errors.append(error.message)
        else:
            _sign_in(user)
            flash(_("Welkom bij dualflow, %(name)s.", name=user.full_name), "success")
            return redirect(url_for("dashboard.home"))
    status = form_status()
    return render_template(
        "accounts/new_password.html", form=form, invitation=True, invited=user
    ), status


@bp.post("/language")
def set_language():
    """Switch the interface language (and remember it on the account)."""
    language = request.form.get("language", "")
    if language in current_app.config["LANGUAGES"]:
        session["language"] = language
        if current_user.is_authenticated:
            user = current_user._get_current_object()  # the User itself, not the proxy
            services.set_language(db.session, user=user, language=language)
    return redirect(safe_next(request.form.get("next")) or url_for("dashboard.home"))
