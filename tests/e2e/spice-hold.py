#!/usr/bin/python3
# spice-hold.py HOST PORT PASSWORD SECONDS: a SPICE client that stays.
#
# spicy-screenshot leaves as soon as it has the screen; this client, on
# spice-gtk's SpiceClientGLib (the library spicy-screenshot and
# remote-viewer are built on), connects like a viewer (main, display,
# inputs and cursor channels), prints "connected" once the main and
# display channels are open, holds the session for SECONDS more and
# exits 0 only if no channel closed or failed meanwhile; 1 if one did
# ("closed CHANNEL EVENT" lines say which), 2 if it never connected
# (within 30 s).
import sys

import gi

gi.require_version("SpiceClientGLib", "2.0")
from gi.repository import GLib, GObject  # noqa: E402
from gi.repository import SpiceClientGLib as Spice  # noqa: E402

MAIN, DISPLAY = 1, 2
VIEWER = (Spice.DisplayChannel, Spice.InputsChannel, Spice.CursorChannel)


class Hold:
    def __init__(self, host, port, password, seconds):
        self.loop = GLib.MainLoop()
        self.seconds = seconds
        self.opened = set()
        self.connected = False
        self.failed = False
        self.session = Spice.Session(host=host, port=port,
                                     password=password)
        GObject.Object.connect(self.session, "channel-new", self.new)

    def new(self, session, channel):
        GObject.Object.connect(channel, "channel-event", self.event)
        if isinstance(channel, VIEWER):
            channel.connect()

    def event(self, channel, event):
        kind = channel.get_property("channel-type")
        name = "%s:%d" % (kind, channel.get_property("channel-id"))
        if event == Spice.ChannelEvent.OPENED:
            print("opened", name, flush=True)
            self.opened.add(kind)
            if not self.connected and {MAIN, DISPLAY} <= self.opened:
                self.connected = True
                print("connected", flush=True)
                GLib.timeout_add(int(self.seconds * 1000), self.loop.quit)
            return
        print("closed", name, event.value_nick, flush=True)
        self.failed = True
        if not self.connected:
            self.loop.quit()

    def run(self):
        GLib.timeout_add(30000, self.give_up)
        self.session.connect()
        self.loop.run()
        if not self.connected:
            return 2
        return 1 if self.failed else 0

    def give_up(self):
        if not self.connected:
            self.loop.quit()
        return False


def main():
    if len(sys.argv) != 5:
        print("usage: spice-hold.py HOST PORT PASSWORD SECONDS",
              file=sys.stderr)
        return 2
    host, port, password, seconds = sys.argv[1:]
    return Hold(host, port, password, float(seconds)).run()


if __name__ == "__main__":
    sys.exit(main())
