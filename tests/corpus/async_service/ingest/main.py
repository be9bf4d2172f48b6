import argparse
import asyncio
import logging
import signal

from .db import dispose_engine, init_models
from .worker import poll_sources_forever, run


async def main(legacy: bool = False) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    await init_models()
    try:
        if legacy:
            await poll_sources_forever(stop)
        else:
            await run(stop)
    finally:
        await dispose_engine()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="ingest")
    parser.add_argument("--legacy", action="store_true", help="use the old polling loop")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    asyncio.run(main(legacy=args.legacy))
