"""The development mail sink: an SMTP server that delivers nothing and keeps everything.

`servicedesk dev` (`make run`) starts it on SERVICEDESK_SMTP_HOST:SERVICEDESK_SMTP_PORT
(127.0.0.1:1025) as a child process, so every notification the desk sends lands as one
`.eml` file in `<data_dir>/mail/`, and one line per mail is printed. Read them with

    python -m servicedesk.mailsink list          # number, time, recipient, subject
    python -m servicedesk.mailsink show 3        # headers, the text part and its links
    python -m servicedesk.mailsink show 3 --raw  # the whole message as received

or open the .eml files in any mail program.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from datetime import datetime, timezone
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.smtp import SMTP

from models.settings import Settings


def mail_dir(settings: Settings) -> Path:
    return settings.data_dir / "mail"


def _files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.eml")) if folder.is_dir() else []


class SinkHandler:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = max((int(p.name.split("-", 1)[0]) for p in _files(folder) if p.name.split("-", 1)[0].isdigit()),
                         default=0)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        self.count += 1
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        path = self.folder / f"{self.count:05d}-{stamp}.eml"
        raw = envelope.original_content or envelope.content
        path.write_bytes(raw if isinstance(raw, bytes) else raw.encode())
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        print(f"mail {self.count}: to {', '.join(envelope.rcpt_tos)}: {msg['Subject']}  ({path})", flush=True)
        return "250 OK: kept in the sink"


async def serve(host: str, port: int, folder: Path) -> None:
    handler = SinkHandler(folder)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="mailsink.localhost"), host, port)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"mail sink: smtp://{host}:{port}, keeping mail in {folder}", flush=True)
    async with server:
        await stop.wait()


def list_mail(folder: Path) -> list[str]:
    lines = []
    for i, path in enumerate(_files(folder), 1):
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        lines.append(f"{i:>4}  {msg['Date'] or ''}  {msg['To'] or ''}  {msg['Subject'] or ''}")
    return lines


def show_mail(folder: Path, n: int, raw: bool = False) -> str:
    files = _files(folder)
    if not 1 <= n <= len(files):
        raise SystemExit(f"no mail {n}: {len(files)} in {folder}")
    data = files[n - 1].read_bytes()
    if raw:
        return data.decode(errors="replace")
    msg = message_from_bytes(data, policy=policy.default)
    head = "\n".join(f"{k}: {msg[k]}" for k in ("From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References")
                     if msg[k])
    body = msg.get_body(("plain", "html"))
    return f"{head}\n\n{body.get_content() if body is not None else ''}\n({files[n - 1]})"


def main(argv: list[str] | None = None) -> int:
    settings = Settings()
    parser = argparse.ArgumentParser(prog="python -m servicedesk.mailsink", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=mail_dir(settings), help="where the mails are kept")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("serve", help="run the sink")
    run.add_argument("--host", default=settings.smtp_host)
    run.add_argument("--port", type=int, default=settings.smtp_port)
    sub.add_parser("list", help="the mails kept, oldest first")
    show = sub.add_parser("show", help="one mail: headers and text")
    show.add_argument("n", type=int)
    show.add_argument("--raw", action="store_true", help="the whole message")
    args = parser.parse_args(argv)
    if args.command == "serve":
        asyncio.run(serve(args.host, args.port, args.dir))
    elif args.command == "list":
        print("\n".join(list_mail(args.dir)) or f"no mail in {args.dir}")
    else:
        print(show_mail(args.dir, args.n, args.raw))
    return 0


if __name__ == "__main__":
    sys.exit(main())
