#!/usr/bin/env python3
"""Helpers of test/lab/radio-loss.test.ts, run inside lab namespaces (never in the root namespace).

  http-server PORT
      Accepts one connection, reads one HTTP/1.1 request (headers, then Content-Length bytes of body),
      answers `201 Created` with a small JSON body in one write and closes its side (Connection: close),
      reads until the client closes, closes.
      Prints the request it read as JSON ({"request_bytes": N, "method": "POST"}).
  http-client HOST PORT REQUEST_FILE [--writes N,...]
      Connects (TCP_NODELAY, as an app's HTTP stack does), writes the bytes of REQUEST_FILE (in one write,
      or split in writes of the given sizes), reads the response until the server closes, closes.
"""
import json
import socket
import sys

RESPONSE_BODY = b'{\n  "orderId": "ord-100017",\n  "status": "created"\n}\n'


def http_server(args):
    port = int(args[0])
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(('0.0.0.0', port))
    ls.listen(1)
    print('ready', flush=True)
    conn, _ = ls.accept()
    data = b''
    while b'\r\n\r\n' not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b'\r\n\r\n')
    length = 0
    for line in head.split(b'\r\n')[1:]:
        name, _, value = line.partition(b':')
        if name.strip().lower() == b'content-length':
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    response = (
        b'HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n'
        + b'Content-Length: %d\r\nConnection: close\r\n\r\n' % len(RESPONSE_BODY)
        + RESPONSE_BODY
    )
    conn.sendall(response)
    conn.shutdown(socket.SHUT_WR)
    while conn.recv(65536):
        pass
    conn.close()
    method = head.split(b' ', 1)[0].decode('ascii', 'replace')
    print(json.dumps({'request_bytes': len(head) + 4 + len(body), 'method': method}), flush=True)


def http_client(args):
    host, port, path = args[0], int(args[1]), args[2]
    writes = None
    if len(args) > 4 and args[3] == '--writes':
        writes = [int(x) for x in args[4].split(',') if x]
    with open(path, 'rb') as f:
        request = f.read()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.connect((host, port))
    if writes is None:
        s.sendall(request)
    else:
        at = 0
        for size in writes:
            s.sendall(request[at:at + size])
            at += size
        if at < len(request):
            s.sendall(request[at:])
    response = b''
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        response += chunk
    s.close()
    print(json.dumps({'sent': len(request), 'response_bytes': len(response)}), flush=True)


if __name__ == '__main__':
    {'http-server': http_server, 'http-client': http_client}[sys.argv[1]](sys.argv[2:])
