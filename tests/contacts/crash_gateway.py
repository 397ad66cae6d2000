"""A gateway that delivers and then hangs, so a test can kill the worker after the provider
accepted the message but before the outbox recorded it."""

import time

from contacts.gateways.file import FileGateway


class HangingFileGateway(FileGateway):
    def send(self, message):
        provider_id = super().send(message)
        time.sleep(120)
        return provider_id
