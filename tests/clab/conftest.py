"""The container lab's tests import the lab's own modules (images/clab: run_lab, topology, lab_nodes,
container_runner) and the namespace fabric's helpers they build on (tests/fabric: util); both folders go on
sys.path here, before pytest imports the test files."""
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "fabric"))
sys.path.insert(0, str(REPO / "images" / "clab"))
