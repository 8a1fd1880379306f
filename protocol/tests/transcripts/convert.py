#!/usr/bin/env python3
"""Turn ../shared captures and seed logs into transcript vectors.

Output format, one connection per section:
    @ <name> <NS|SB> <MSNPn>
    C: <line sent by the client>
    S: <line sent by the server>
    + <payload line>     (payload of the command above, lines joined by CRLF
                          and fitted to the declared length)
Run from this folder: python3 convert.py ../../../../shared
"""
import re, sys, pathlib

shared = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "../../../../shared")

def escargot(path, dialect, out):
    sections = {}
    order = []
    for raw in path.read_text().splitlines():
        m = re.match(r"^\s*[\d.]+ (\S+)\s+(>>|<<) (.*)$", raw)
        if m:
            conn, d, line = m.groups()
            if conn not in sections:
                sections[conn] = []
                order.append(conn)
            sections[conn].append(("C: " if d == ">>" else "S: ") + line)
            continue
        m = re.match(r"^\s*[\d.]+ (\S+)        (.*)$", raw)
        if m and m.group(1) in sections:
            sections[m.group(1)].append(("+ " + m.group(2)).rstrip())
    with open(out, "w") as f:
        f.write(f"# converted from shared/captures/{path.name}\n")
        for conn in order:
            role = "SB" if conn.endswith("SB") else "NS"
            f.write(f"@ {conn} {role} {dialect}\n")
            f.write("\n".join(sections[conn]) + "\n")

def amsn(path, out):
    lines = path.read_text(errors="replace").splitlines()
    res = ["# converted from shared/seeds/amsn-msnp9-notes-and-log.txt", "@ amsn-ns NS MSNP9"]
    i = 0
    while i < len(lines):
        l = lines[i]
        m = re.match(r"^\[[\d:]+\] (->ns-sock7|<-ns) (.*?)(\\n)?$", l)
        if m:
            who, cmd = m.group(1), m.group(2).rstrip()
            res.append(("C: " if who.startswith("->") else "S: ") + cmd)
            if re.match(r"XFR \d+ NS ", cmd):
                # The client reconnects to the referred server: a new connection.
                res.append("@ amsn-ns-referred NS MSNP9")
            if who.startswith("->") and cmd.startswith("QRY"):
                res.append("+ " + lines[i + 1].strip())
                i += 1
            if cmd.startswith("MSG "):
                # Message Contents: follows until the next timestamped line.
                j = i + 1
                if lines[j].endswith("Message Contents:"):
                    j += 1
                body = []
                while j < len(lines) and not lines[j].startswith("["):
                    body.append(lines[j])
                    j += 1
                while body and body[-1] == "":
                    body.pop()
                res.extend(("+ " + b).rstrip() for b in body)
                i = j - 1
        i += 1
    pathlib.Path(out).write_text("\n".join(res) + "\n")

escargot(shared / "captures/escargot-msnp2-two-users.txt", "MSNP2", "escargot-msnp2-two-users.txt")
escargot(shared / "captures/escargot-msnp8-twn-two-users.txt", "MSNP8", "escargot-msnp8-twn-two-users.txt")
amsn(shared / "seeds/amsn-msnp9-notes-and-log.txt", "amsn-msnp9-log.txt")
