"""A bounded property-based fuzz of every form: hostile values never give a 500 or half a write.

The forms are found, not listed: every page a role can open in the test world is fetched and
every `<form method="post">` on it is kept, with its fields and their rendered values. Each
POST route must be reached by such a form, or be named in `NOT_FOUND_BY_THE_WALK` with why.
Hypothesis then posts, per form, the rendered values with some fields replaced by hostile ones
(control characters, very long text, odd unicode, numbers beyond any integer, impossible dates,
empty), derandomized so that every run tries the same examples. No post answers 500; a post
that is refused (4xx, or the form shown again with errors) leaves no audit event and no row
behind; a line break typed into a single-line field is never stored; and after each form the
audit trail still opens, whatever values were stored. Each form starts from the same world.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from flask import url_for
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from dualflow.audit import AuditEvent
from dualflow.models import metadata
from tests.clients import isolated_client
from tests.conftest import fix_today, login
from tests.security.world import build, document

MAX_EXAMPLES = 12
# Who walks the pages, in order; a form is fuzzed as the first role who found it.
ROLES = ["coordinator", "admin", "company", "mentor", "sector", "anonymous"]
SKIPPED_PAGES = {"static", "bootstrap.static", "accounts.logout", "admin.audit"}
PAGES_PER_ROLE = 160
FILE_ENDINGS = (".pdf", ".csv", ".xlsx", ".ics", ".json", "/download")

# POST routes no page of the walk shows a form for, and why they are left out here.
NOT_FOUND_BY_THE_WALK: dict[str, str] = {
    "learners.upload_confirm": "its form exists only after an upload, holding that upload's "
                               "key; the upload form itself is fuzzed",
    "learners.upload_columns": "its form exists only on the dry-run screen of an upload, holding "
                               "that upload's signed key; tests/learners/test_import_mapping.py "
                               "posts hostile and unknown column choices to it",
}

# Failures that come from holes being closed elsewhere: (endpoint or "*", cause), causes as
# `_cause` names them. Empty this set once the fixes are in.
KNOWN_HOLES: set[tuple[str, str]] = set()


# --- finding the forms -------------------------------------------------------------------


@dataclass
class Field:
    """One named input of a form, as rendered."""

    name: str
    kind: str  # text, textarea, select, checkbox, radio, file, number, date, email, hidden...
    value: str = ""
    options: list[str] = field(default_factory=list)
    checked: bool = False
    multiple: bool = False


@dataclass
class Form:
    """A POST form: where it goes and what it holds."""

    action: str
    fields: dict[str, Field] = field(default_factory=dict)
    multipart: bool = False


class _FormParser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {key: value or "" for key, value in attrs}
        if tag == "a" and a.get("href", "").startswith("/"):
            self.links.append(a["href"])
        if tag == "button" and a.get("formaction") and self._form is not None:
            # A second submit button posting the same fields elsewhere.
            twin = Form(action=urlsplit(a["formaction"]).path, fields=self._form.fields,
                        multipart=self._form.multipart)
            self.forms.append(twin)
            return
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                action = a.get("action") or self.page_url
                self._form = Form(action=urlsplit(action).path or self.page_url,
                                  multipart="multipart" in a.get("enctype", ""))
                self.forms.append(self._form)
            return
        if self._form is None or "name" not in a:
            if tag == "option" and self._select is not None:
                self._option(a)
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "reset", "image"):
                return
            known = self._form.fields.get(name)
            if kind in ("checkbox", "radio") and known is not None:
                known.options.append(a.get("value", "y"))
                known.checked = known.checked or "checked" in a
                if "checked" in a:
                    known.value = a.get("value", "y")
                return
            self._form.fields[name] = Field(
                name, kind, a.get("value", ""),
                options=[a.get("value", "y")] if kind in ("checkbox", "radio") else [],
                checked="checked" in a,
            )
        elif tag == "select":
            self._select = Field(name, "select", multiple="multiple" in a)
            self._form.fields[name] = self._select
        elif tag == "textarea":
            self._textarea = Field(name, "textarea")
            self._form.fields[name] = self._textarea

    def _option(self, a) -> None:
        value = a.get("value", "")
        self._select.options.append(value)
        if "selected" in a or (not self._select.value and not self._select.multiple):
            self._select.value = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _parse(page_url: str, html: str) -> tuple[list[Form], list[str]]:
    """The POST forms and the site's links on a page."""
    parser = _FormParser(page_url)
    parser.feed(html)
    return parser.forms, parser.links


def _endpoint(app, path: str) -> str | None:
    adapter = app.url_map.bind("dualflow.test")
    try:
        endpoint, _args = adapter.match(path, method="POST")
    except Exception:
        return None
    return endpoint


def _page_urls(app, bundles: list[dict[str, int]]) -> list[str]:
    urls: list[str] = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if "GET" not in rule.methods or rule.endpoint in SKIPPED_PAGES:
            continue
        if any("token" in arg for arg in rule.arguments) or rule.rule.endswith(FILE_ENDINGS):
            continue
        if any(rule.rule.endswith(ending + ">") for ending in ("file_format", "fmt")):
            continue
        for bundle in bundles:
            if set(rule.arguments) <= set(bundle):
                with app.test_request_context():
                    urls.append(url_for(rule.endpoint, **{a: bundle[a] for a in rule.arguments}))
                break
    return urls


def _follow(app, url: str) -> str | None:
    """The endpoint of a link worth following, or None."""
    path = urlsplit(url).path
    if path.endswith(FILE_ENDINGS) or path.startswith(("/static/", "/bootstrap/")):
        return None
    adapter = app.url_map.bind("dualflow.test")
    try:
        endpoint, _args = adapter.match(path, method="GET")
    except Exception:
        return None
    return None if endpoint in SKIPPED_PAGES else endpoint


def _walk(app, users, seeds: dict[str, list[str]]) -> dict[str, tuple[str, Form]]:
    """endpoint -> (role, form) for every POST form the pages each role reaches show.

    Each role starts from the pages with the ids of its side, and follows the site's links
    (two URLs per endpoint, so that pagers and filters do not run away).
    """
    found: dict[str, tuple[str, Form]] = {}
    for role in ROLES:
        client = isolated_client(app)
        if users[role] is not None:
            login(client, users[role])
        queue = list(seeds[role])
        starts = set(queue)
        seen: set[str] = set()
        per_endpoint: dict[str, int] = {}
        while queue and len(seen) < PAGES_PER_ROLE:
            url = queue.pop(0)
            endpoint = _follow(app, url)
            if url in seen or endpoint is None or (
                url not in starts and per_endpoint.get(endpoint, 0) >= 2
            ):
                continue
            seen.add(url)
            per_endpoint[endpoint] = per_endpoint.get(endpoint, 0) + 1
            try:
                response = client.get(url)
            except Exception:  # noqa: S112 - a failing page is tests/test_routes.py's to report
                continue
            if response.status_code != 200 or "html" not in response.content_type:
                continue
            forms, links = _parse(urlsplit(url).path, response.get_data(as_text=True))
            queue.extend(links)
            for form in forms:
                target = _endpoint(app, form.action)
                if target is not None and target not in found:
                    found[target] = (role, form)
    return found


# --- hostile values ----------------------------------------------------------------------

HOSTILE_CONSTANTS = [
    "", " ", "\x00", "a\r\nb", "\t", "\u202e\u200b", "😀" * 300, "x" * 10_001, "9" * 40,
    str(2**63), str(-(2**63) - 1), str(2**31), "-1", "0", "1e309", "NaN", "-0.0001",
    "2027-02-30", "2026-13-01", "0000-00-00", "9999-12-31", "31/12/2026",
    "=HYPERLINK(\"http://evil.example\")", "<script>alert(1)</script>", "' OR 1=1 --",
    "a@b", "@", "BE68 5390 0754 7034\n",
]
hostile = st.one_of(
    st.sampled_from(HOSTILE_CONSTANTS),
    st.text(max_size=40),
    st.text(st.characters(max_codepoint=0x1F), max_size=10),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(str),
)


def _value(field_: Field):
    """A strategy for a hostile value of this field (None leaves it out of the post)."""
    if field_.kind == "file":
        return st.binary(max_size=300).map(lambda data: (io.BytesIO(data), "fuzz.csv"))
    if field_.kind in ("checkbox", "radio"):
        return st.one_of(st.none(), st.sampled_from(field_.options or ["y"]), hostile)
    if field_.kind == "select":
        choices = st.sampled_from(field_.options) if field_.options else st.none()
        if field_.multiple:
            return st.one_of(st.lists(st.one_of(choices, hostile), max_size=3), hostile)
        return st.one_of(choices, hostile)
    return st.one_of(st.none(), hostile)


def _baseline(form: Form) -> dict:
    """The form as rendered, as it would be posted unchanged."""
    data: dict = {}
    for name, item in form.fields.items():
        if item.kind in ("checkbox", "radio"):
            if item.checked:
                data[name] = item.value or item.options[0]
        elif item.kind == "file":
            continue
        elif item.kind == "select" and item.multiple:
            data[name] = [item.value] if item.value else []
        else:
            data[name] = item.value
    return data


# Posts every form gets as well: each text field a value that only looks like a date (the
# audit trail must still show it), each single-line field a line break (which must never be
# stored), each multi-line field a NUL (which PostgreSQL cannot store), each number, choice
# and hidden field a number beyond any database integer (a form error, not a 500).
DATE_LIKE = "2027-02-30"
LINE_BREAK = "Eerste regel\r\nTweede regel"
NUL = "Eerste\x00regel"
HUGE = str(2**63)


def _explicit(form: Form) -> list[dict]:
    posts = []
    for value, kinds in ((DATE_LIKE, ("text", "textarea")), (LINE_BREAK, ("text",)),
                         (NUL, ("textarea",)), (HUGE, ("number", "select", "hidden"))):
        names = [name for name, item in form.fields.items()
                 if item.kind in kinds and name != "csrf_token"]
        if names:
            posts.append({**_baseline(form), **dict.fromkeys(names, value)})
    return posts


def _stored_line_breaks(events) -> list[str]:
    """Actions of `events` that stored the line break of a single-line field."""

    def holds(value) -> bool:
        if isinstance(value, str):
            return "Tweede regel" in value and ("\n" in value or "\r" in value)
        if isinstance(value, dict):
            return any(holds(item) for item in value.values())
        if isinstance(value, list | tuple):
            return any(holds(item) for item in value)
        return False

    def new_values(changes: dict) -> list:
        # A change is [old, new]; the old value may be an earlier example's.
        return [value[-1] if isinstance(value, list) and len(value) == 2 else value
                for value in changes.values()]

    return [event.action for event in events if holds(new_values(event.changes or {}))]


def _posts(form: Form):
    """Posts: the rendered values with a hypothesis-chosen set of fields made hostile."""
    names = sorted(name for name, item in form.fields.items() if name != "csrf_token")
    if not names:
        return st.just(_baseline(form))

    @st.composite
    def build(draw):
        data = _baseline(form)
        changed = draw(st.sets(st.sampled_from(names), min_size=1, max_size=len(names)))
        for name in sorted(changed):
            value = draw(_value(form.fields[name]))
            if value is None:
                data.pop(name, None)
            else:
                data[name] = value
        return data

    return build()


# --- checks ------------------------------------------------------------------------------


def _counts(session) -> tuple[int, ...]:
    """Rows per table, in one statement."""
    session.expire_all()
    tables = sorted(metadata.tables.values(), key=lambda table: table.name)
    columns = [select(func.count()).select_from(table).scalar_subquery() for table in tables]
    return tuple(session.execute(select(*columns)).one())


def _audited(session) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


def _cause(error: BaseException | str) -> str:
    """A short name for why a request failed, to match against KNOWN_HOLES."""
    text = f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else error
    if re.search(r"day is out of range for month|month must be in", text):
        return "impossible date"
    if re.search(r"OverflowError|out of range|NumericValueOutOfRange", text):
        return "integer out of range"
    if re.search(r"linefeed|carriage return|Header values", text, re.I):
        return "control character in a header"
    if "NUL" in text:
        return "NUL character"
    return text.splitlines()[0][:160]


def _refused(response) -> bool:
    if response.status_code >= 400:
        return True
    return response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)


@dataclass
class Report:
    """What the fuzz of one form saw."""

    examples: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)  # (cause, detail)


def _fuzz(session, client, admin_client, form: Form) -> Report:
    """Post hostile variants of `form` through `client`; what went wrong."""
    report = Report()

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=(Phase.explicit, Phase.generate),
              suppress_health_check=list(HealthCheck))
    @given(data=_posts(form))
    def run(data):
        report.examples += 1
        counts, audited = _counts(session), _audited(session)
        last_event = session.execute(select(func.max(AuditEvent.id))).scalar() or 0
        try:
            response = client.post(form.action, data=data,
                                   content_type="multipart/form-data" if form.multipart
                                   else None)
        except Exception as error:
            cause = _cause(error)
            if cause == "NUL character":
                kinds = {form.fields[name].kind for name, value in data.items()
                         if isinstance(value, str) and "\x00" in value and name in form.fields}
                cause += " in a " + ("multi-line" if "textarea" in kinds else "single-line") \
                    + " field"
            report.problems.append((cause, f"500 for {_short(data)}"))
            return
        if response.status_code >= 500:
            report.problems.append((_cause(str(response.status_code)),
                                    f"{response.status_code} for {_short(data)}"))
        elif _refused(response) and (
            _audited(session) != audited or _counts(session) != counts
        ):
            report.problems.append(("half-written", f"{response.status_code} but rows changed "
                                                    f"for {_short(data)}"))
        elif not _refused(response):
            events = session.execute(
                select(AuditEvent).where(AuditEvent.id > last_event)
            ).scalars().all()
            for action in _stored_line_breaks(events):
                report.problems.append(("line break stored in a single-line field",
                                        f"{action} for {_short(data)}"))

    for post in _explicit(form):
        run = example(data=post)(run)
    run()
    # Whatever was stored, the audit trail still shows it.
    try:
        status = admin_client.get("/admin/audit").status_code
    except Exception as error:
        report.problems.append(("audit viewer: " + _cause(error), "after the fuzz"))
    else:
        if status >= 500:
            report.problems.append((f"audit viewer: {status}", "after the fuzz"))
    return report


def _signed_in(app, user, client=None):
    """A client signed in as `user` (anonymous for None); `client` again if it still is."""
    if client is not None and (user is None or client.get("/").status_code == 200):
        return client
    client = isolated_client(app)
    if user is not None:
        login(client, user)
    return client


def _short(data: dict) -> str:
    return repr({key: (value if not isinstance(value, str) or len(value) < 40
                       else value[:20] + f"...({len(value)})")
                 for key, value in data.items()})[:300]


def _known(endpoint: str, cause: str) -> bool:
    return (endpoint, cause) in KNOWN_HOLES or ("*", cause) in KNOWN_HOLES


@dataclass
class FuzzWorld:
    """The users by role, and the pages each role starts its walk from."""

    users: dict[str, object]
    seeds: dict[str, list[str]]


def _build_fuzz_world(app, session, world, today: date) -> FuzzWorld:
    """The access matrix's world plus objects in every state a form appears in."""
    from datetime import UTC, datetime, timedelta

    from dualflow.accounts import services as accounts
    from dualflow.agreements.models import Signature
    from dualflow.evaluations import services as evaluations
    from dualflow.evaluations.models import Evaluation
    from dualflow.notifications import feeds
    from dualflow.notifications.models import Notification
    from dualflow.tokens import hash_token
    from tests import factories

    matrix = build(session, world)
    users, bundle = matrix.users, matrix.bundles["A"]
    from dualflow.learners.models import Learner
    from dualflow.trajectories.models import Placement, Trajectory

    learner = session.get(Learner, bundle["learner_id"])
    learner.national_number = factories.insz(date(2009, 5, 1), 2)
    learner.email = "anna@leerling.example"
    traj = session.get(Trajectory, bundle["trajectory_id"])
    place = session.get(Placement, bundle["placement_id"])
    for role, user in users.items():
        if user is not None:
            session.add(Notification(dedupe_key=f"fuzz:{role}", user_id=user.id, kind="test",
                                     subject=f"Bericht voor {role}", link="/"))
    # A draft, and an agreement awaiting signatures with a live signing link.
    from dualflow.companies.models import Mentor
    from dualflow.recognitions.models import Recognition

    mentor = place.mentor_id
    recognition = session.get(Recognition, bundle["recognition_id"])
    learner_g, learner_h, learner_i = (factories.learner(session, world.school_a)
                                       for _ in range(3))
    traj_g, traj_h, traj_i = (factories.trajectory(session, pupil, world.programme_a)
                              for pupil in (learner_g, learner_h, learner_i))
    # Placements with an agreement awaiting signatures, with a draft, and without one.
    place_g, place_h, place_i = (factories.placement(session, row, session.get(Mentor, mentor),
                                                     recognition)
                                 for row in (traj_g, traj_h, traj_i))
    draft = factories.agreement(session, place_h)
    pdf = document(session, "g")
    awaiting = factories.agreement(session, place_g, status="awaiting_signatures",
                                   document_id=pdf.id)
    raw_signing = "fuzz-signing-token-0123456789abcdef"
    session.add(Signature(agreement_id=awaiting.id, party="learner", document_id=pdf.id,
                          signer_email="g@leerling.example", expected_name="Lerende G",
                          token_hash=hash_token(raw_signing),
                          token_expires_at=datetime.now(UTC) + timedelta(days=10)))
    # A submitted evaluation to review, with a self-reflection link.
    moment = factories.evaluation_moment(session, traj, due_on=date(2026, 11, 20),
                                         status="submitted")
    session.add(Evaluation(moment_id=moment.id, mentor_id=mentor,
                           submitted_at=datetime.now(UTC)))
    session.flush()
    raw_reflection, _learner = evaluations.issue_reflection_link(
        session, actor=users["coordinator"], moment=moment)
    # A recognition request for the sector to decide, a mentor to invite, a learner to place.
    site_a2 = factories.site(session, world.company_a)
    submitted = factories.recognition_request(session, site_a2, world.programme_a,
                                              submitted_by_id=users["coordinator"].id)
    in_review = factories.recognition_request(
        session, factories.site(session, world.company_a), world.programme_a,
        status="in_review", submitted_by_id=users["coordinator"].id)
    # An approved recognition nearing its end, to renew.
    nearing = factories.recognition(
        session, factories.site(session, world.company_a), world.programme_a,
        valid_from=today - timedelta(days=1700), valid_until=today + timedelta(days=60))
    # A moment still to come, which may be removed.
    factories.evaluation_moment(session, traj, due_on=date(2027, 5, 20))
    for mentor_row in session.execute(select(Mentor).where(Mentor.user_id.is_(None))).scalars():
        mentor_row.email = f"mentor{mentor_row.id}@bedrijf.example"
    from dualflow.companies.models import Company

    session.get(Company, matrix.bundles["D"]["company_id"]).contact_email = "contact@d.example"
    factories.learner(session, world.school_a, first_name="Zonder", last_name="Traject")
    # Links of every kind, and a calendar feed to revoke.
    _pending, raw_invitation = accounts.invite(
        session, actor=users["admin"], email="nieuw@test.example", full_name="Nieuw Iemand",
        role="coordinator", school_id=world.school_a.id)
    raw_reset = accounts.request_password_reset(session, email=world.coordinator_b.email)[1]
    sign_in_link = urlsplit(accounts.issue_sign_in_link(session, user=world.sector_user_b)).path
    feeds.create_feed_token(session, user=users["coordinator"])
    session.commit()
    with app.test_request_context():
        pages = _page_urls(app, [bundle])
        pages += [url_for("evaluations.moment", moment_id=moment.id),
                  url_for("agreements.detail", agreement_id=awaiting.id),
                  url_for("agreements.detail", agreement_id=draft.id),
                  url_for("recognitions.detail", recognition_id=in_review.id),
                  url_for("recognitions.detail", recognition_id=submitted.id),
                  url_for("recognitions.renew", recognition_id=nearing.id),
                  url_for("agreements.new", placement=place_i.id),
                  url_for("companies.detail", company_id=matrix.bundles["D"]["company_id"]),
                  url_for("trajectories.detail", trajectory_id=traj_g.id),
                  url_for("learners.detail", learner_id=learner_g.id)]
        anonymous = [url_for("accounts.accept_invitation", token=raw_invitation),
                     url_for("accounts.reset_password", token=raw_reset),
                     sign_in_link,
                     url_for("evaluations.reflect", token=raw_reflection),
                     url_for("signing.sign", token=raw_signing)]
    seeds = dict.fromkeys(ROLES, pages)
    seeds["anonymous"] = ["/login", "/password/forgot", *anonymous]
    return FuzzWorld(users=users, seeds=seeds)


@pytest.fixture
def fuzz_world(app, world, session, monkeypatch) -> FuzzWorld:
    """The forms are filled in on 7 December 2026 (moments before and after it)."""
    return _build_fuzz_world(app, session, world, fix_today(monkeypatch, date(2026, 12, 7)))


def test_every_form_survives_hostile_values(app, session, fuzz_world, capsys):
    users = fuzz_world.users
    found = _walk(app, users, fuzz_world.seeds)
    post_routes = {rule.endpoint for rule in app.url_map.iter_rules()
                   if "POST" in rule.methods}
    unreached = sorted(post_routes - set(found) - set(NOT_FOUND_BY_THE_WALK))
    assert unreached == [], "POST routes no page shows a form for:\n" + "\n".join(unreached)

    problems, known = [], []
    examples = 0
    clients: dict[str, object] = {}
    for endpoint, (role, form) in sorted(found.items()):
        for name in (role, "admin"):
            clients[name] = _signed_in(app, users[name], clients.get(name))
        # Each form starts from the same world: what one post wrote is undone before the next.
        savepoint = session.begin_nested()
        report = _fuzz(session, clients[role], clients["admin"], form)
        savepoint.rollback()
        examples += report.examples
        for cause, detail in report.problems:
            line = f"{endpoint} as {role}: {cause}: {detail}"
            (known if _known(endpoint, cause) else problems).append(line)
    with capsys.disabled():
        print(f"\nform fuzz: {len(found)} forms, {examples} examples, "
              f"{len(known)} failures of known holes")
    assert problems == [], "\n" + "\n".join(problems)
    assert len(found) >= 70
    assert examples >= 600
    if known:
        pytest.xfail("known holes:\n" + "\n".join(known))
