"""This process among the replicas serving one database.

Work that several replicas may both see (a due timer, an interrupted create, a chat
request left open by a dead replica) is claimed in the database under an owner name;
this is the process' part of it: host, process id, and a random part (a restarted
process that got the same pid is another replica).
"""

from __future__ import annotations

import os
import secrets
import socket

ID = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
