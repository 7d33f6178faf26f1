"""The raw baseline: the smallest FastAPI WebSocket app that does what a table does on the wire.

A socket joins a room by its path, says hello and gets a first frame; a command from any member
makes the room's version go up and one ~240-byte state frame, serialised once, goes to every
member; the sender then gets an ack with the version, as in the real protocol. Pings get pongs.
No game, no store, no views: whatever the real server costs beyond this is the real work.
"""

import json
import time

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()
rooms: dict[str, set[WebSocket]] = {}
versions: dict[str, int] = {}
PAD = "x" * 160


def _state(room: str) -> str:
    now = time.time_ns() // 1_000_000
    return f'{{"type":"state","version":{versions[room]},"server_now":{now},"view":{{"room":"{room}","pad":"{PAD}"}}}}'


@app.websocket("/ws/{room}")
async def socket(websocket: WebSocket, room: str) -> None:
    await websocket.accept()
    members = rooms.setdefault(room, set())
    versions.setdefault(room, 1)
    try:
        await websocket.receive_text()  # hello
        members.add(websocket)
        await websocket.send_text(_state(room))
        while True:
            frame = json.loads(await websocket.receive_text())
            if frame["type"] == "ping":
                await websocket.send_text(json.dumps({"type": "pong", "id": frame["id"]}))
                continue
            versions[room] += 1
            text = _state(room)
            for member in list(members):
                await member.send_text(text)
            await websocket.send_text(
                json.dumps({"type": "ack", "id": frame["id"], "version": versions[room]})
            )
    except WebSocketDisconnect:
        pass
    finally:
        members.discard(websocket)
