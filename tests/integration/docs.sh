#!/usr/bin/env bash
# The manual page and the bash completion cover every subcommand kava has,
# and every option each subcommand's --help names.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

NAMES=("kava(8) describes every subcommand"
       "kava(8) names every option of every subcommand"
       "bash completion offers every subcommand"
       "bash completion offers the options of run")
MAN=$KAVA_BUILD/kava.8
command -v scdoc >/dev/null || skip_all "scdoc not installed" "${NAMES[@]}"
[ -f "$MAN" ] || skip_all "build $MAN first (make man)" "${NAMES[@]}"
[ -f /usr/share/bash-completion/bash_completion ] || skip_all "bash-completion not installed" "${NAMES[@]}"

cmds=$("$KAVA" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
text=$(man -l "$MAN" 2>/dev/null | col -b)
missing=""
for c in $cmds; do grep -qE "^ {7}$c( |$)" <<<"$text" || missing="$missing $c"; done
note "subcommands: $(echo $cmds); missing from the manual:${missing:- none}"
check_all "kava(8) describes every subcommand" '[ -n "$cmds" ] && [ -z "$missing" ]'
missing=""
for c in $cmds; do
    for o in $("$KAVA" "$c" --help 2>&1 | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
        [ "$o" = --help ] && continue
        grep -qe "$o" <<<"$text" || missing="$missing $c:$o"
    done
done
note "options missing from the manual:${missing:- none}"
check "kava(8) names every option of every subcommand" [ -z "$missing" ]

complete_words() {      # complete_words WORD...: what completion offers for the last word
    bash -c '. /usr/share/bash-completion/bash_completion; . deploy/bash-completion/kava
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        _kava; printf "%s\n" "${COMPREPLY[@]}"' sh "$@"
}
offered=$(complete_words kava "")
missing=""
for c in $cmds; do grep -qx "$c" <<<"$offered" || missing="$missing $c"; done
check_all "bash completion offers every subcommand" '[ -n "$offered" ] && [ -z "$missing" ]'
offered=$(complete_words kava run --)
missing=""
for o in $("$KAVA" run --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
    grep -qx -- "$o" <<<"$offered" || missing="$missing $o"
done
note "run options missing from the completion:${missing:- none}"
check "bash completion offers the options of run" [ -z "$missing" ]
