"""What a client does with the frames it gets: a full view, or a patch that turns the view it
holds into the next. Tests follow every connection with this, so a patch that does not fit (a
gap, a wrong operation) fails the test that received it."""

from typing import Any


def patched(view: dict[str, Any], ops: list[list[Any]]) -> dict[str, Any]:
    """The view after the operations (`[path, value]` sets, `[path]` removes), as the pages do
    it: the containers along each path are copied, so `view` stays as it was."""
    out = dict(view)
    for op in ops:
        path, node = op[0], out
        for key in path[:-1]:
            node[key] = list(node[key]) if isinstance(node[key], list) else dict(node[key])
            node = node[key]
        if len(op) == 2:
            node[path[-1]] = op[1]
        else:
            del node[path[-1]]
    return out


class Follower:
    """One connection's view, frame by frame."""

    def __init__(self) -> None:
        self.view: dict[str, Any] = {}
        self.seq = 0
        self.patches = 0

    def take(self, frame: dict[str, Any]) -> dict[str, Any]:
        """A state frame as is; a patch as the state frame it stands for (`patch`: True)."""
        if frame["type"] == "patch":
            assert frame["base"] == self.seq < frame["seq"], ("a gap", self.seq, frame["base"])
            self.patches += 1
            frame = {**frame, "type": "state", "view": patched(self.view, frame["ops"]),
                     "patch": True}  # fmt: skip
            del frame["ops"]
        if frame["type"] == "state":
            self.view, self.seq = frame["view"], frame["seq"]
        return frame
