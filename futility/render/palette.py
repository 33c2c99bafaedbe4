"""The colour palette shared by the report and the dashboard.

Okabe-Ito (Okabe & Ito 2008, "Color Universal Design"): colours that stay distinguishable with the
common forms of colour blindness. Charts also label every category in words, so colour never carries
meaning alone.
"""
from __future__ import annotations

#: Okabe-Ito colours by name, plus a neutral grey for "nothing happened".
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
    "grey": "#BBBBBB",
}
