#!/bin/sh
# Regenerates NAME.json (`nft -j list ruleset`) and NAME.txt (`nft -a list ruleset`) from each
# NAME.nft here, by loading it into a scratch network namespace (root, iproute2 and nftables needed).
# The interfaces named by the rulesets need not exist (nft matches iifname by name).
set -eu
cd "$(dirname "$0")"
ns="ew-rulesets-$$"
ip netns add "$ns"
trap 'ip netns del "$ns"' EXIT
for f in *.nft; do
	n="${f%.nft}"
	ip netns exec "$ns" nft flush ruleset
	ip netns exec "$ns" nft -f "$f"
	ip netns exec "$ns" nft -j list ruleset > "$n.json"
	ip netns exec "$ns" nft -a list ruleset > "$n.txt"
done
