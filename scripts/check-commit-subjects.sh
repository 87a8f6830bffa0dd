#!/usr/bin/env bash
# Fails when a commit made since the subject rule began has a subject longer than 72 characters.
# Commits before 1b0d1b2 are history and stay as they were written.
set -euo pipefail
cd "$(dirname "$0")/.."
since=1b0d1b2
if ! git cat-file -e "$since^{commit}" 2>/dev/null; then
  echo "commit subjects: $since is not in this clone's history; skipped"
  exit 0
fi
long=$(git log --no-merges --format='%h %s' "$since..HEAD" | awk '{ subject = substr($0, index($0, " ") + 1); if (length(subject) > 72) print length(subject) ": " $0 }')
if [ -n "$long" ]; then
  echo "commit subjects over 72 characters (put the figures in the body):"
  echo "$long"
  exit 1
fi
echo "commit subjects: all within 72 characters since $since"
