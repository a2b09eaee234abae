# Sourced by the other scripts. `ensure_venv [EXTRAS]` makes .venv and installs portin (and its
# EXTRAS, e.g. "test") at the pinned versions of constraints.txt; it reinstalls only when
# pyproject.toml or constraints.txt changed since the last install.
ensure_venv() {
  local extras="${1:-}"
  local python="${PYTHON:-python3}"
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  local stamp=".venv/.portin-installed${extras:+-$extras}"
  local want
  want="$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check \
      -c constraints.txt -e ".${extras:+[$extras]}"
    echo "$want" > "$stamp"
  fi
}
