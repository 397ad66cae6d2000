"""
kombu's file-system transport (the embedded broker, settings.py), publishing each message
whole.

kombu creates a message's file and then writes it, while a worker that lists the folder
takes any file it finds without waiting for the writer's lock: a worker that looks in
between reads an empty message, fails to decode it and stops ("Unrecoverable error").
Here a message is written under a name the worker does not pick up and then renamed into
place, which on one file system is atomic: a worker sees a message whole or not at all.
"""

import os
import time
import uuid

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        final = os.path.join(self.data_folder_out, f"{round(time.monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg")
        # A worker takes only names of the form "<stamp>_<id>.<queue>.msg"; this one is not.
        partial = os.path.join(self.data_folder_out, f"writing-{uuid.uuid4()}")
        try:
            with open(partial, "wb", buffering=0) as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
