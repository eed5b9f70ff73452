"""Where things are, for tests in any folder: the repository, snapshots, schemas."""

from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SNAPSHOTS = TESTS / "snapshots"
SCHEMAS = TESTS / "schemas"
