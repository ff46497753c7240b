"""bench/load.py's HTTP/1.1 client (`Browser`): what the load figures rest on. A server on
loopback answers with the framings and cookies the app sends (Content-Length, chunked, a cookie
set and one deleted as Starlette deletes it, `Connection: close`), and records what came in."""

from __future__ import annotations

import asyncio

from bench.load import Browser

ANSWERS = [
    # the log-in: a session cookie set, the anonymous CSRF cookie deleted (Starlette's form)
    b"HTTP/1.1 303 See Other\r\ncontent-length: 0\r\nlocation: /home\r\n"
    b'set-cookie: anon=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/\r\n'
    b"set-cookie: session=abc; HttpOnly; Max-Age=10; Path=/; SameSite=lax\r\n\r\n",
    b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nlast",
]


async def exchange() -> tuple[list[bytes], int, list[tuple[int, bytes]]]:
    heads: list[bytes] = []
    connections = 0
    answers = iter(ANSWERS)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while head := await reader.readuntil(b"\r\n\r\n"):
            length = [h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length:")]
            body = await reader.readexactly(int(length[0].split(b":")[1])) if length else b""
            heads.append(head + body)
            answer = next(answers)
            writer.write(answer)
            await writer.drain()
            if b"connection: close" in answer:
                writer.close()
                return

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    browser = Browser(port, timeout=10)
    browser.cookies["anon"] = "tok"  # as /api/csrf sets it before the log-in
    got = [await browser.post("/login", {"email": "a@b.c", "csrf_token": "tok"})]
    got += [await browser.get("/home"), await browser.get("/api/me"), await browser.get("/x")]
    await browser.close()
    server.close()
    await server.wait_closed()
    return heads, connections, [(r.status_code, r.body) for r in got]


def test_the_load_client_frames_answers_and_keeps_cookies_as_a_browser() -> None:
    heads, connections, answers = asyncio.run(exchange())
    assert answers == [(303, b""), (200, b"hello world"), (200, b"{}"), (200, b"last")]
    login = heads[0].decode()
    assert login.startswith("POST /login HTTP/1.1\r\n")
    assert "Cookie: anon=tok\r\n" in login
    assert "Content-Type: application/x-www-form-urlencoded\r\n" in login
    assert login.endswith("\r\n\r\nemail=a%40b.c&csrf_token=tok")
    # the deleted cookie is no longer sent, the session cookie is, without its attributes
    assert all("Cookie: session=abc\r\n" in h.decode() for h in heads[1:])
    assert not any("anon" in h.decode() for h in heads[1:])
    assert connections == 2  # a new connection after the server said `Connection: close`
