# Sourced by scripts/demo and scripts/test: installs missing Debian packages (as root), then
# configures and builds metasim into build/. Quick and quiet when everything is already there.
set -euo pipefail
METASIM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
METASIM_BUILD=${METASIM_BUILD:-$METASIM_ROOT/build}
METASIM_PACKAGES=(build-essential cmake pkg-config libopenmpi-dev openmpi-bin petsc-dev
  libhdf5-openmpi-dev check libopenblas-dev valgrind python3 python3-numpy python3-h5py python3-matplotlib
  python3-mpi4py python3-cffi)

metasim_install_packages() {
  local missing=()
  for p in "${METASIM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "metasim needs these Debian packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "== installing ${missing[*]} (a few minutes on a new machine)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
}

# Open MPI refuses to run as root without these; one BLAS thread per rank. Ranks that wait yield
# their core (tests and benchmarks run more ranks than cores, and Open MPI's daemons on other hosts
# believe their cores are free, so without it every waiting rank busy-polls).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_mpi_yield_when_idle=1

metasim_build() {
  local flags=("-DCMAKE_BUILD_TYPE=${METASIM_BUILD_TYPE:-RelWithDebInfo}" "-DMETASIM_WERROR=${METASIM_WERROR:-ON}")
  [ -n "${METASIM_SANITIZE:-}" ] && flags+=("-DMETASIM_SANITIZE=$METASIM_SANITIZE")
  cmake -S "$METASIM_ROOT" -B "$METASIM_BUILD" "${flags[@]}" > "$METASIM_BUILD.configure.log" 2>&1 \
    || { cat "$METASIM_BUILD.configure.log"; exit 1; }
  if [ -t 1 ] && [ -z "${METASIM_QUIET:-}" ]; then
    # On a terminal: one status line that follows the build (the whole output goes to the log).
    echo "== building metasim in $METASIM_BUILD (log: $METASIM_BUILD.build.log)"
    cmake --build "$METASIM_BUILD" -j "$(nproc)" 2>&1 | tee "$METASIM_BUILD.build.log" | metasim_build_status \
      || { grep -Ev '^\[ *[0-9]+%\]' "$METASIM_BUILD.build.log"; echo "metasim: build failed" >&2; exit 1; }
  else
    cmake --build "$METASIM_BUILD" -j "$(nproc)" > "$METASIM_BUILD.build.log" 2>&1 \
      || { grep -Ev '^\[ *[0-9]+%\]' "$METASIM_BUILD.build.log"; echo "metasim: build failed" >&2; exit 1; }
  fi
}

# Reads make's "[ 42%] Building C object ..." lines and keeps one line on the terminal up to date.
metasim_build_status() {
  local line
  while IFS= read -r line; do
    if [[ $line =~ ^\[\ *([0-9]+)%\]\ (.*)$ ]]; then
      printf '\r\033[K[%3s%%] %.70s' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
    fi
  done
  printf '\r\033[K'
}

metasim_install_packages
metasim_build
