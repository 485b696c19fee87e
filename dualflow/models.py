"""Every table of dualflow, imported in one place for Alembic and the test database."""

from sqlmodel import SQLModel

from dualflow import modelbase  # noqa: F401  (sets the naming convention first)
from dualflow.accounts.models import AccessToken, User, UserSession
from dualflow.agreements.models import Agreement, Signature
from dualflow.audit import AuditEvent
from dualflow.catalog.models import Competency, Programme, School, SchoolHoliday, Sector
from dualflow.companies.models import Company, Mentor, Site
from dualflow.evaluations.models import Evaluation, EvaluationMoment, EvaluationScore
from dualflow.learners.models import Learner
from dualflow.notifications.models import JobRun, Notification, OutboxMessage
from dualflow.recognitions.models import Recognition, RecognitionMentor
from dualflow.reports.models import Document, ReportBatch
from dualflow.trajectories.models import Placement, Trajectory

metadata = SQLModel.metadata

__all__ = [
    "AccessToken",
    "Agreement",
    "AuditEvent",
    "Company",
    "Competency",
    "Document",
    "Evaluation",
    "EvaluationMoment",
    "EvaluationScore",
    "JobRun",
    "Learner",
    "Mentor",
    "Notification",
    "OutboxMessage",
    "Placement",
    "Programme",
    "Recognition",
    "RecognitionMentor",
    "ReportBatch",
    "School",
    "SchoolHoliday",
    "Sector",
    "Signature",
    "Site",
    "Trajectory",
    "User",
    "UserSession",
    "metadata",
]
