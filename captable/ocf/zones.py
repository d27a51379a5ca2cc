"""The issuer's time zone: OCF records none, and every OCF date is a day in the issuer's zone (DESIGN §3)."""

from __future__ import annotations

from typing import Any

DEFAULT = "America/Los_Angeles"  # DESIGN §3: the company's zone when nothing says otherwise

# United States states by the zone of their largest city: where a state spans two zones, most of its
# people keep the one named here.
_EASTERN = "DE CT DC FL GA IN KY ME MD MA MI NH NJ NY NC OH PA RI SC VT VA WV"
_CENTRAL = "AL AR IL IA KS LA MN MS MO NE ND OK SD TN TX WI"
_MOUNTAIN = "CO ID MT NM UT WY"
US_STATES: dict[str, str] = {
    **{s: "America/New_York" for s in _EASTERN.split()},
    **{s: "America/Chicago" for s in _CENTRAL.split()},
    **{s: "America/Denver" for s in _MOUNTAIN.split()},
    "AZ": "America/Phoenix", "CA": "America/Los_Angeles", "NV": "America/Los_Angeles",
    "OR": "America/Los_Angeles", "WA": "America/Los_Angeles", "AK": "America/Anchorage", "HI": "Pacific/Honolulu",
}


def issuer_zone(issuer: dict[str, Any]) -> tuple[str, str]:
    """The zone of the issuer's address (its office, where its books are kept), and why it was chosen."""
    address = issuer.get("address")
    if isinstance(address, dict) and address.get("country") == "US":
        state = str(address.get("country_subdivision", "")).upper()
        if state in US_STATES:
            return US_STATES[state], f"the issuer's address is in US-{state}"
    return DEFAULT, "the issuer's address names no United States state; DESIGN §3's default"
