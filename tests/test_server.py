"""The review server as `python -m workbench ui` starts it, probed from outside over HTTP and
/proc: it listens on the loopback address only, and it refuses an upload over MAX_UPLOAD_MB
before reading it, so a large request body costs it no memory.

Fast tier: no browser and no model. The server starts in about a second; the app's model
process is pointed at an empty folder (WORKBENCH_MODEL), where it fails at once instead of
loading a model. Linux only: the sockets and the memory are read from /proc.
"""

from __future__ import annotations

import http.cookies
import ipaddress
import os
import select
import socket
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import ClientConnection, connect

from benchmarks.browser import running_app
from workbench.ui import MAX_UPLOAD_MB

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads sockets and memory from /proc")

MB = 1024 * 1024
BIG = 200_000_000  # bytes: far over our limit, and under Streamlit's own default (200 MiB)


@dataclass(frozen=True)
class Server:
    url: str
    port: int
    pid: int  # the process that listens: streamlit, a child of the CLI
    session: str  # a browser session's id, which the upload URL names
    xsrf: str  # the XSRF cookie, sent back as cookie and header with an upload


def listening(port: int) -> list[tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int]]:
    """(address, socket inode) of each socket listening on `port`, from /proc/net/tcp and tcp6."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if fields[3] == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)  # each 32-bit word in the machine's (little-endian) order
                found.append((ipaddress.ip_address(b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))),
                              int(fields[9])))
    return found


def socket_owner(inode: int) -> int:
    """The id of the process holding the socket."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]" for fd in os.listdir(f"/proc/{pid}/fd")):
                return int(pid)
        except OSError:  # a process that ended meanwhile
            continue
    raise AssertionError(f"no process holds socket {inode}")


def memory_mb(pid: int) -> dict[str, int]:
    """The process's resident memory now (VmRSS) and at its peak (VmHWM), in MB."""
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {key: int(line.split()[1]) // 1024 for line in lines for key in ("VmRSS", "VmHWM")
            if line.startswith(key + ":")}


def own_addresses() -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """This machine's addresses, but loopback and link-local ones: IPv4 from the kernel's
    routing table of local addresses, IPv6 from /proc/net/if_inet6."""
    found = set()
    trie = Path("/proc/net/fib_trie").read_text().splitlines() if Path("/proc/net/fib_trie").exists() else []
    for line, after in zip(trie, trie[1:]):
        if "/32 host LOCAL" in after:
            found.add(ipaddress.ip_address(line.split()[-1]))
    if Path("/proc/net/if_inet6").exists():
        for line in Path("/proc/net/if_inet6").read_text().splitlines():
            found.add(ipaddress.ip_address(bytes.fromhex(line.split()[0])))
    return sorted((a for a in found if not (a.is_loopback or a.is_link_local)), key=str)


def browser_session(port: int, websocket: ClientConnection) -> str:
    """Open a page as a browser does (ask for a script run) and return its session id."""
    rerun = BackMsg()
    rerun.rerun_script.query_string = ""
    websocket.send(rerun.SerializeToString())
    while True:
        message = ForwardMsg()
        message.ParseFromString(websocket.recv(timeout=60))
        if message.HasField("new_session"):
            return message.new_session.initialize.session_id


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("server")
    (tmp / "no-model").mkdir()
    with running_app(tmp / "data" / "review.sqlite", tmp, {"WORKBENCH_MODEL": str(tmp / "no-model")}) as url:
        port = int(url.rsplit(":", 1)[1])
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=30) as answer:
            xsrf = http.cookies.SimpleCookie(answer.headers["Set-Cookie"])["_streamlit_xsrf"].value
        with connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"]) as websocket:
            yield Server(url, port, socket_owner(listening(port)[0][1]), browser_session(port, websocket), xsrf)


def upload(server: Server, size: int, chunked: bool = False) -> tuple[int, int, float]:
    """PUT a file of `size` bytes to the upload endpoint, as the app's file uploader does,
    streaming it 1 MB at a time and stopping as soon as the server answers. Returns the
    HTTP status, how many bytes of the file were sent, and the seconds until the answer."""
    boundary = "workbench-test-boundary"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n'
            "Content-Type: text/plain\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(head) + size + len(tail)}"
    request = (f"PUT /_stcore/upload_file/{server.session}/file-{size} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
               f"Cookie: _streamlit_xsrf={server.xsrf}\r\nX-Xsrftoken: {server.xsrf}\r\n"
               f"Content-Type: multipart/form-data; boundary={boundary}\r\n{framing}\r\n\r\n").encode()

    def piece(data: bytes) -> bytes:
        return f"{len(data):x}\r\n".encode() + data + b"\r\n" if chunked else data

    block, sent, answer = b"a" * MB, 0, b""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=120) as sock:
        try:
            sock.sendall(request + piece(head))
            while sent < size and not select.select([sock], [], [], 0)[0]:
                data = block[:min(MB, size - sent)]
                sock.sendall(piece(data))
                sent += len(data)
            if sent == size:
                sock.sendall(piece(tail) + (b"0\r\n\r\n" if chunked else b""))
        except (BrokenPipeError, ConnectionResetError):  # the server answered and closed
            pass
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 "), answer
    return int(answer.split()[1]), sent, time.monotonic() - started


def test_the_server_listens_on_the_loopback_address_only(server: Server) -> None:
    sockets = listening(server.port)
    assert sockets and all(address.is_loopback for address, _ in sockets), sockets
    for address in own_addresses():  # nothing answers on the machine's other addresses
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((str(address), server.port), timeout=5).close()


def test_an_upload_within_the_limit_is_taken(server: Server) -> None:
    """The probe below is a real upload: with a size the app takes, the server takes it."""
    assert upload(server, MB)[0] == 204
    assert upload(server, MB, chunked=True)[0] == 204


@pytest.mark.parametrize("chunked", [False, True], ids=["with its length", "chunked, length unsaid"])
def test_an_upload_over_the_limit_is_refused_before_it_is_read(server: Server, chunked: bool) -> None:
    before = memory_mb(server.pid)
    status, sent, seconds = upload(server, BIG, chunked=chunked)
    after = memory_mb(server.pid)
    assert status == 413  # Request Entity Too Large
    # a declared length over the limit is refused before any of the body is read; a chunked body
    # once the limit (plus 1 MB for the multipart framing) is passed: either way, long before
    # the 200 MB, most of what was sent still in the two sockets' buffers
    assert sent < (MAX_UPLOAD_MB + 1) * MB + 16 * MB, sent
    assert seconds < 10 and after["VmHWM"] - before["VmRSS"] < 50, (seconds, before, after)
    print(f"\n200 MB upload {'chunked' if chunked else 'with its length'}: {status} after {seconds:.2f} s, "
          f"{sent / MB:.0f} MB sent; server memory {before['VmRSS']} MB -> {after['VmRSS']} MB "
          f"(peak {after['VmHWM']} MB)")
