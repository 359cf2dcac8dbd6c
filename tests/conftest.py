import sys
from pathlib import Path

# Test helpers (coco_cases.py) import as top-level modules.
sys.path.insert(0, str(Path(__file__).parent))
