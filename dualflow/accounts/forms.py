"""Forms of the log-in, password and invitation pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from dualflow.forms import Form, options
from dualflow.integers import coerce_id
from dualflow.modelbase import Language


def _strip(value: str | None) -> str | None:
    """Addresses pasted or completed by a phone keyboard often carry a trailing space."""
    return value.strip() if isinstance(value, str) else value


class LoginForm(Form):
    email = EmailField(
        _l("E-mailadres"), filters=[_strip], validators=[DataRequired(), Email(), Length(max=254)]
    )
    password = PasswordField(_l("Wachtwoord"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Aangemeld blijven op dit toestel"))
    next = HiddenField()


class ForgotPasswordForm(Form):
    email = EmailField(
        _l("E-mailadres"), filters=[_strip], validators=[DataRequired(), Email(), Length(max=254)]
    )


class SignInLinkForm(Form):
    email = EmailField(
        _l("E-mailadres"), filters=[_strip], validators=[DataRequired(), Email(), Length(max=254)]
    )


class NewPasswordForm(Form):
    password = PasswordField(
        _l("Nieuw wachtwoord"), validators=[DataRequired(), Length(min=10, max=200)]
    )
    confirm = PasswordField(
        _l("Herhaal het wachtwoord"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("De wachtwoorden verschillen.")),
        ],
    )


class InviteForm(Form):
    full_name = StringField(_l("Naam"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        _l("E-mailadres"), filters=[_strip], validators=[DataRequired(), Email(), Length(max=254)]
    )
    role = SelectField(_l("Rol"), validators=[DataRequired()])
    school_id = SelectField(_l("School"), coerce=coerce_id, validate_choice=False)
    company_id = SelectField(_l("Onderneming"), coerce=coerce_id, validate_choice=False)
    sector_id = SelectField(_l("Sector"), coerce=coerce_id, validate_choice=False)
    language = SelectField(
        _l("Taal"),
        choices=options([(Language.NL.value, "Nederlands"), (Language.FR.value, "Français"),
                         (Language.EN.value, "English")]),
    )
