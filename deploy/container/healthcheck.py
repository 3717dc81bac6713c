"""Container health check: GET /api/health on the local service (exit 0 when it answers 200).

GUICHET_HEALTH_URL overrides the address (default http://127.0.0.1:8000/api/health).
"""

import os
import sys
import urllib.request

URL = os.environ.get("GUICHET_HEALTH_URL", "http://127.0.0.1:8000/api/health")
try:
    with urllib.request.urlopen(URL, timeout=8) as response:
        sys.exit(0 if response.status == 200 else 1)
except OSError as error:
    print(f"unhealthy: {error}", file=sys.stderr)
    sys.exit(1)
