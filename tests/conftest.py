import sys
from pathlib import Path

# Test helpers (expectations.py) import each other by module name.
sys.path.insert(0, str(Path(__file__).parent))
