#!/bin/sh
# DEMO ONLY. Makes the demo vendor PKI of "Example Home" (the fictional vendor of the bundled
# profiles) and signs the four profiles with it, as a vendor would (RFC 8520 §13: a detached DER
# CMS signature beside each MUD file, camera.json → camera.p7s). Run once; the outputs are
# committed so that `npm start` can show a signed vendor upload. The private keys here are public:
# never trust this CA outside the demo (edgeward trusts it only while it runs the demo).
#
#   sh policies/profiles/demo-pki/make.sh        (from the repository root; needs openssl 1.1.1+)
#
# Edit a profile of policies/profiles/ and its .p7s no longer verifies: run this again.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
profiles=$(dirname "$here")
cd "$here"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. The vendor's CA: a P-256 key and a self-signed CA certificate (30 years).
openssl ecparam -name prime256v1 -genkey -noout -out demo-vendor-ca.key
openssl req -new -x509 -key demo-vendor-ca.key -sha256 -days 10950 -out demo-vendor-ca.pem \
  -subj "/O=Example Home (edgeward DEMO ONLY)/CN=Example Home Demo MUD CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -addext "subjectKeyIdentifier=hash"

# 2. The MUD signer: its key and a certificate signing request, as the vendor's build team makes them.
openssl ecparam -name prime256v1 -genkey -noout -out demo-vendor.key
openssl req -new -key demo-vendor.key -out "$tmp/demo-vendor.csr" \
  -subj "/O=Example Home (edgeward DEMO ONLY)/CN=mud.example.com"

# 3. The CA issues the signer certificate (20 years): Key Usage digitalSignature (RFC 8520 §13.2).
cat > "$tmp/signer.ext" <<'EXT'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectAltName = DNS:mud.example.com
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EXT
openssl x509 -req -in "$tmp/demo-vendor.csr" -CA demo-vendor-ca.pem -CAkey demo-vendor-ca.key \
  -set_serial 0x$(openssl rand -hex 8) -days 7300 -sha256 -extfile "$tmp/signer.ext" -out demo-vendor.pem

# 4. Each profile's detached signature, DER (what `edgeward mud sign` makes too).
for f in "$profiles"/*.json; do
  openssl cms -sign -binary -nosmimecap -in "$f" -signer demo-vendor.pem -inkey demo-vendor.key \
    -md sha256 -outform DER -out "${f%.json}.p7s"
  openssl cms -verify -binary -inform DER -in "${f%.json}.p7s" -content "$f" \
    -CAfile demo-vendor-ca.pem -purpose any -out /dev/null
done
