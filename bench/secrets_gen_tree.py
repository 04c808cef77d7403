#!/usr/bin/env python3
"""Generates a synthetic source tree for the secrets benchmark.

Usage: secrets_gen_tree.py DIR [MEGABYTES]

Files look like a real repository: code in several languages, config files, JSON, docs,
with the words secret scanners key on ("token", "password", "key", URLs) on many lines,
and one fake credential in about one file out of 200. Deterministic (fixed seed).
"""
import os
import random
import sys

rng = random.Random(42)
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def rand(alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


LINES = [
    "def handle_request(request, token=None):",
    "    user = session.query(User).filter_by(id=request.user_id).first()",
    "    if not user.check_password(request.form['password']):",
    "        raise PermissionDenied('invalid credentials')",
    "    return render(request, 'index.html', {'user': user, 'items': items})",
    "const apiKey = process.env.API_KEY;",
    "export function fetchData(url, options = {}) { return fetch(url, { ...options, headers }); }",
    "  // TODO: refresh the access token before it expires",
    "  private readonly tokenStore: Map<string, TokenEntry> = new Map();",
    "func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {",
    "\tif err := s.auth.Verify(r.Header.Get(\"Authorization\")); err != nil {",
    "    std::vector<std::string> keys = config.get_keys(\"secret_sources\");",
    "  password: ${DB_PASSWORD}",
    "  url: https://api.example.com/v1/resources?page=2&per_page=100",
    "  image: registry.example.com/team/service:1.4.2",
    '    "secretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-db",',
    '    "name": "sluice-benchmark-package", "version": "1.0.0", "private": true,',
    "# Configuration of the credential helper; see docs/auth.md for details.",
    "SELECT id, name, created_at FROM accounts WHERE deleted_at IS NULL ORDER BY id;",
    "The service rotates its signing key every 24 hours and keeps the previous key for verification.",
    "        for (int i = 0; i < n; ++i) { sum += values[i] * weights[i]; }",
    "    logger.info(\"request %s completed in %d ms\", request_id, elapsed_ms)",
    "<a href=\"https://docs.example.com/guide/install\">installation guide</a>",
    "      - run: make test TOKEN_FILE=/run/secrets/token",
    "",
]


def fake_secret():
    kind = rng.randrange(4)
    if kind == 0:
        return "GITHUB_TOKEN = 'gh" + "p_" + rand(ALNUM, 36) + "'"
    if kind == 1:
        return "aws_access_key_id = AK" + "IA" + rand("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
    if kind == 2:
        return 'db_password = "' + rand(ALNUM + "!@#%", 20) + '"'
    return "url = postgres://svc:" + rand(ALNUM, 18) + "@db.internal:5432/app"


def main():
    root = sys.argv[1]
    target = int(sys.argv[2] if len(sys.argv) > 2 else 200) * 1024 * 1024
    written = 0
    n = 0
    exts = [".py", ".js", ".ts", ".go", ".cpp", ".yaml", ".json", ".md", ".sql", ".html"]
    while written < target:
        d = os.path.join(root, "pkg%03d" % (n // 100), "mod%02d" % (n % 100 // 10))
        os.makedirs(d, exist_ok=True)
        size = rng.choice([2, 4, 8, 16, 32, 64]) * 1024
        if n % 97 == 0:
            size = 1024 * 1024  # occasional large file (bundles, generated code)
        lines = []
        length = 0
        while length < size:
            line = rng.choice(LINES)
            lines.append(line)
            length += len(line) + 1
        if n % 200 == 0:
            lines.insert(rng.randrange(len(lines)), fake_secret())
        data = "\n".join(lines) + "\n"
        with open(os.path.join(d, "file%05d%s" % (n, rng.choice(exts))), "w") as f:
            f.write(data)
        written += len(data)
        n += 1
    print("%d files, %.1f MB in %s" % (n, written / 1048576, root))


if __name__ == "__main__":
    main()
