"""In-repo fake Slack Web API for tests (see :mod:`tests.fakeslack.server`)."""

from .blockkit import validate_message_blocks, validate_view
from .server import Call, FakeSlack

__all__ = ["Call", "FakeSlack", "validate_message_blocks", "validate_view"]
