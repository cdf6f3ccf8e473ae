#!/bin/sh
# Installs what catchball needs to build and test on Debian or Ubuntu:
# with apt-get when root, otherwise it prints the exact line to run and fails.
# catchball-web (web/) needs libmicrohttpd-dev, libgnutls28-dev (its HTTPS),
# libqrencode-dev and libpng-dev (the join link's QR code); its browser test
# (tests/e2e/web_board.py) headless Chromium, its driver and Selenium; its TLS
# test openssl (a certificate made at run time), its invite test zbar-tools
# (zbarimg reads the QR code's PNG back).
#     sh .ci/deps.sh          what `make build` and `make test` need
#     sh .ci/deps.sh bench    the extra packages only `make bench` needs: the
#                             peer it is compared with (bench/peer_redis.c),
#                             never needed to build or test catchball
PKGS="build-essential util-linux cmake pkg-config libczmq-dev libzmq3-dev libmsgpack-dev liblmdb-dev lmdb-utils libxxhash-dev libjansson-dev libncurses-dev libcsv-dev graphviz tmux jq python3 python3-zmq python3-msgpack clang libclang-rt-14-dev libmicrohttpd-dev libgnutls28-dev libqrencode-dev libpng-dev openssl zbar-tools chromium chromium-driver python3-selenium"
BENCH_PKGS="redis-server libhiredis-dev"
case "$1" in
    "") ;;
    bench) PKGS="$BENCH_PKGS" ;;
    *) echo "usage: sh .ci/deps.sh [bench]" >&2; exit 2 ;;
esac
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "catchball: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q && apt-get install -y -q --no-install-recommends $missing && exit 0
    echo "catchball: apt-get failed" >&2
    exit 1
fi
echo "catchball: missing packages:$missing" >&2
echo "run: sudo apt-get install -y$missing" >&2
exit 1
