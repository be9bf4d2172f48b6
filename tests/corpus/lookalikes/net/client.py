"""Network clients: raw sockets, requests and aiohttp sessions."""
import asyncio
import socket
from typing import Dict, List

import aiohttp
import requests
from requests import Session

API_BASE = "https://api.example.com/v2"


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect((host, port))
        return True
    except OSError:
        return False


def send_line(host: str, port: int, line: str) -> None:
    conn = socket.create_connection((host, port))
    conn.sendall(line.encode() + b"\n")


def banner(host: str, port: int = 25) -> bytes:
    s = socket.socket()
    s.connect((host, port))
    return s.recv(1024)


def fetch_json(path: str) -> Dict:
    session = requests.Session()
    session.headers["Accept"] = "application/json"
    resp = session.get(f"{API_BASE}/{path}", timeout=10)
    resp.raise_for_status()
    return resp.json()


def fetch_many(paths: List[str]) -> List[Dict]:
    results = []
    for path in paths:
        s = Session()
        results.append(s.get(f"{API_BASE}/{path}", timeout=10).json())
    return results


async def fetch_async(urls: List[str]) -> List[str]:
    session = aiohttp.ClientSession()
    bodies = await asyncio.gather(*(session.get(u) for u in urls))
    return [await b.text() for b in bodies]


async def post_event(url: str, payload: Dict) -> int:
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json=payload) as resp:
            return resp.status
