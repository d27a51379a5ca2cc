"""§3 Reservation of shares.

"The Company … will at all times have authorized and reserved, for the
purpose of issue or transfer upon exercise of the subscription rights
evidenced by this Warrant, a sufficient number of shares of authorized but
unissued Preferred Stock, or other securities and property, when and as
required to provide for the exercise of the rights represented by this
Warrant."

Read as DESIGN §6 item 19: each class shows authorized − outstanding −
reserved; a warrant whose requirement exceeds what is authorized and
unissued is in breach at that instant.
"""

from __future__ import annotations

from collections.abc import Mapping


def shortfalls(
    required: Mapping[str, int], authorized: Mapping[str, int], outstanding: Mapping[str, int]
) -> dict[str, int]:
    """Classes whose requirement exceeds authorized − outstanding, with that headroom."""
    return {
        class_id: authorized[class_id] - outstanding[class_id]
        for class_id, need in required.items()
        if class_id in authorized and need > authorized[class_id] - outstanding[class_id]
    }
