# bash completion for anycastctl: commands, subcommands and options; VIP and server names come from
# `anycastctl --json show vips` (quietly, with a short timeout; nothing is offered when the daemon cannot be
# asked). Installed as $(PREFIX)/share/bash-completion/completions/anycastctl.

# Prints VIP names (kind "vip") or the server names of VIP $2 (kind "server") from the JSON of `show vips`
# on stdin: VIP objects are at depth 2 of the document, their servers at depth 3.
_anycastctl_names_from_json() {
  awk -v kind="$1" -v want="$2" '
    { text = text $0 "\n" }
    END {
      n = length(text); depth = 0; key = ""; vip = ""; i = 1
      while (i <= n) {
        c = substr(text, i, 1)
        if (c == "\"") {
          s = ""; i++
          while (i <= n) {
            c = substr(text, i, 1)
            if (c == "\\") { s = s substr(text, i, 2); i += 2; continue }
            if (c == "\"") break
            s = s c; i++
          }
          i++
          j = i
          while (j <= n && substr(text, j, 1) ~ /[ \t\n]/) j++
          if (substr(text, j, 1) == ":") { key = s; i = j + 1; continue }
          if (key == "name" && depth == 2) { vip = s; if (kind == "vip") print s }
          if (key == "name" && depth == 3 && kind == "server" && vip == want) print s
          key = ""
          continue
        }
        if (c == "{") depth++
        else if (c == "}") depth--
        i++
      }
    }'
}

# $1: vip|server, $2: the VIP (for server); the rest: the --socket option given on the command line.
_anycastctl_names() {
  local kind=$1 vip=$2
  shift 2
  anycastctl "$@" --timeout 1000 --json show vips 2>/dev/null | _anycastctl_names_from_json "$kind" "$vip"
}

_anycastctl() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local -a words=() socket=()
  local i w candidates=""
  COMPREPLY=()

  # "--socket=PATH" arrives as "--socket" "=" "PATH" (= is a word break).
  [[ $prev == "=" && $COMP_CWORD -ge 2 ]] && prev=${COMP_WORDS[COMP_CWORD - 2]}
  case $prev in
    --socket)
      [[ $cur == "=" ]] && cur=""
      compopt -o filenames 2>/dev/null
      COMPREPLY=($(compgen -f -- "$cur"))
      return
      ;;
    --timeout | --reason) return ;;
  esac

  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    case $w in
      --socket | --timeout | --reason)
        [[ ${COMP_WORDS[i + 1]} == "=" ]] && ((i++))
        [[ $w == --socket ]] && socket=(--socket "${COMP_WORDS[i + 1]}")
        ((i++))
        ;;
      -*) ;;
      *) words+=("$w") ;;
    esac
  done

  if [[ $cur == -* ]]; then
    candidates="--socket --json --timeout --help --version"
    [[ ${words[0]} == drain ]] && candidates+=" --reason"
    COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
    return
  fi

  case ${#words[@]} in
    0) candidates="show drain undrain reload check-config help" ;;
    1)
      case ${words[0]} in
        show) candidates="vips vip servers checks config" ;;
        drain | undrain) candidates="vip server" ;;
        check-config)
          compopt -o filenames 2>/dev/null
          COMPREPLY=($(compgen -f -- "$cur"))
          return
          ;;
      esac
      ;;
    2)
      case "${words[0]} ${words[1]}" in
        "show vip" | "show servers" | "show checks" | "drain vip" | "undrain vip" | "drain server" | "undrain server")
          candidates=$(_anycastctl_names vip "" "${socket[@]}")
          ;;
      esac
      ;;
    3)
      case "${words[0]} ${words[1]}" in
        "drain server" | "undrain server") candidates=$(_anycastctl_names server "${words[2]}" "${socket[@]}") ;;
      esac
      ;;
  esac
  COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
}

complete -F _anycastctl anycastctl
