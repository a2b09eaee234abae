"""Why a failed attempt was (or was not) tried again, in the customer's words: what
`retry.classify` and `endpoint_health` actually do with the answer."""

from __future__ import annotations

from portin.domain.endpoint_health import GONE
from portin.domain.retry import RETRIED_STATUSES


def explain(http_status: int | None, method: str) -> str:
    if method == "email":
        return ("The email server did not accept the message: portin tries again later, until"
                " the attempts or the retry window run out.")
    if http_status is None:
        return ("No answer came (the connection failed or timed out): portin tries again"
                " later, until the attempts or the retry window run out.")
    if http_status == GONE:
        return ("The receiver answered 410 Gone: portin does not try this delivery again and"
                " disables the destination, so its other deliveries wait (paused) until"
                " someone enables it again.")
    if http_status == 429:
        return ("The receiver answered 429 Too Many Requests: portin tries again later,"
                " waiting at least as long as its Retry-After asks.")
    if http_status in RETRIED_STATUSES or http_status >= 500:
        return (f"The receiver answered {http_status}, a temporary failure: portin tries"
                " again later, until the attempts or the retry window run out.")
    if 400 <= http_status < 500:
        return (f"The receiver answered {http_status}: it refused this request, and sending"
                " the same request again would be refused the same way, so portin does not"
                " try again. Fix the receiver, then use Retry now.")
    return (f"The receiver answered {http_status}, which is not a success (2xx): portin does"
            " not try again.")
