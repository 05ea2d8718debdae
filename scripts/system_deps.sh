#!/bin/sh
# The system packages behind the PDFs: the libraries WeasyPrint loads (Pango, PangoFT2,
# HarfBuzz subset) and the font the print stylesheet names (DejaVu Sans). `make run` and
# `make test` call this first, before the virtualenv exists; it needs no network when
# everything is present. As root with apt-get (CI, a container) it installs what is missing;
# otherwise it names the Debian packages to install and fails.
set -u

# soname:Debian package. WeasyPrint dlopen()s these names; dlopen finds a bare soname through
# LD_LIBRARY_PATH and the dynamic linker's cache (`ldconfig -p`).
LIBRARIES="libpango-1.0.so.0:libpango-1.0-0 libpangoft2-1.0.so.0:libpangoft2-1.0-0 \
libharfbuzz-subset.so.0:libharfbuzz-subset0"
FONT="DejaVu Sans"
FONT_PACKAGE="fonts-dejavu-core"

linker_cache() {
    for ldconfig in "$(command -v ldconfig 2>/dev/null)" /sbin/ldconfig /usr/sbin/ldconfig; do
        if [ -n "$ldconfig" ] && [ -x "$ldconfig" ]; then
            "$ldconfig" -p 2>/dev/null
            return 0
        fi
    done
    return 1  # no glibc linker cache (not Linux): nothing to check against
}

library_found() {
    old_ifs=$IFS
    IFS=:
    for dir in ${LD_LIBRARY_PATH:-}; do
        if [ -n "$dir" ] && [ -e "$dir/$1" ]; then
            IFS=$old_ifs
            return 0
        fi
    done
    IFS=$old_ifs
    printf '%s\n' "$CACHE" | awk -v name="$1" '$1 == name { found = 1 } END { exit !found }'
}

font_found() {
    if command -v fc-list >/dev/null 2>&1; then
        fc-list "$FONT" family | grep -q .
    else
        # No fontconfig tools: look where Debian puts the font.
        for dir in /usr/share/fonts /usr/local/share/fonts "$HOME/.local/share/fonts" "$HOME/.fonts"; do
            [ -d "$dir" ] && find "$dir" -name 'DejaVuSans.ttf' 2>/dev/null | grep -q . && return 0
        done
        return 1
    fi
}

# Sets $MISSING (what is absent, for the message) and $PACKAGES (the Debian packages).
check() {
    MISSING=""
    PACKAGES=""
    if CACHE=$(linker_cache); then
        for pair in $LIBRARIES; do
            soname=${pair%%:*}
            if ! library_found "$soname"; then
                MISSING="$MISSING, $soname"
                PACKAGES="$PACKAGES ${pair#*:}"
            fi
        done
    fi
    if ! font_found; then
        MISSING="$MISSING, шрифт $FONT"
        PACKAGES="$PACKAGES $FONT_PACKAGE"
    fi
    MISSING=${MISSING#, }
    PACKAGES=${PACKAGES# }
}

check
[ -z "$PACKAGES" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Устанавливаю системные пакеты для PDF: $PACKAGES" >&2
    # shellcheck disable=SC2086  # one word per package
    apt-get update -qq >&2 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            $PACKAGES >&2
    check
    [ -z "$PACKAGES" ] && exit 0
fi

cat >&2 <<EOF
Не хватает системных пакетов, без которых CRM не соберёт PDF (WeasyPrint): $MISSING.
Установите их и повторите команду:

    sudo apt install $PACKAGES

EOF
exit 1
