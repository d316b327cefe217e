"""Fixtures of the soak tests: exactly those of tests/integration/conftest.py (one namespace fabric per
module, reset around every test), loaded from there so both suites build the fabric the same way; the
integration directory is put on sys.path so that soak tests reuse its helpers and scenarios."""
import importlib.util
import sys
from pathlib import Path

INTEGRATION = Path(__file__).resolve().parents[1] / "integration"
sys.path.insert(0, str(INTEGRATION))
_spec = importlib.util.spec_from_file_location("integration_conftest", INTEGRATION / "conftest.py")
_integration = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_integration)
globals().update({k: v for k, v in vars(_integration).items() if not k.startswith("__")})
