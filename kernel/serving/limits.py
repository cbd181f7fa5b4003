"""Process limits a node holding thousands of sockets needs: each socket is a file descriptor, and the usual soft
limit (1024) would refuse the 1025th connection however much memory is left."""
from __future__ import annotations

import logging
import resource

log = logging.getLogger(__name__)
# The kernel's own ceiling on a process's descriptors (fs.nr_open) is 1,048,576 by default: an "unlimited"
# hard limit cannot be given to the soft one as is.
_CEILING = 1 << 20


def raise_fd_limit() -> int:
    """Raise the soft limit on open files to the hard limit (what an unprivileged process may do); returns the
    soft limit now in force. Inherited by the workers and the side process."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = _CEILING if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError) as exc:
            log.warning("open files limit left at %s: %s", soft, exc)
    return soft
