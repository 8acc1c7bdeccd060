# Shared by scripts/run and scripts/test: install what is missing, configure and build once.
# Sourced, not run. Safe to run again: apt runs only when a package is missing, CMake only
# rebuilds what changed.
set -euo pipefail

QLAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QLAB_PRESET=${QLAB_PRESET:-release}
QLAB_BUILD_DIR="$QLAB_ROOT/build/$QLAB_PRESET"

# Debian 12 packages the build and the tests need.
QLAB_PACKAGES=(g++ cmake ninja-build pkg-config dpkg-dev file
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev libqt6opengl6-dev qt6-svg-dev libgl-dev zlib1g-dev
  libspdlog-dev qt6-qpa-plugins fonts-dejavu-core)

qlab_sudo() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

qlab_install_packages() {
  local missing=() p
  for p in "${QLAB_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then return 0; fi
  if ! command -v apt-get >/dev/null; then
    echo "error: missing packages (${missing[*]}) and no apt-get; install them by hand" >&2
    return 1
  fi
  echo "==> installing: ${missing[*]}"
  qlab_sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
  qlab_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

qlab_build() {
  cd "$QLAB_ROOT"
  if [ ! -f "$QLAB_BUILD_DIR/build.ninja" ]; then
    echo "==> configuring ($QLAB_PRESET) in $QLAB_BUILD_DIR"
    cmake --preset "$QLAB_PRESET" >/dev/null
  fi
  echo "==> building ($QLAB_PRESET)"
  cmake --build --preset "$QLAB_PRESET" -- -j"${QLAB_JOBS:-2}"
}

qlab_binary() { echo "$QLAB_BUILD_DIR/app/quorumlab"; }
