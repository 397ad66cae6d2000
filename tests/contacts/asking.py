"""Asking the engine about a case's first contact point, as the log-contact page does."""

from contacts import engine
from policy.codes import Channel


def decide(case, at, channel=Channel.PHONE_CALL, point="default", **kwargs):
    point = case.points[0] if point == "default" else point
    return engine.evaluate(case, channel, at, contact_point=point, **kwargs)
