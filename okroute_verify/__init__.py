"""okroute-verify: one command that says whether a new platform release may go live."""
