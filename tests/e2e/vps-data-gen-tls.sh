#!/usr/bin/env bash
# vps-data-gen-tls.sh: StartTLS against a slapd that speaks TLS.
#
# A private CA signs the server's certificate (for IP 127.0.0.1 only).
# With starttls = demand, vps-data-gen syncs when ca_file is that CA, and
# exits 1 leaving vps.data byte-identical when the certificate cannot be
# verified: another CA, a host name the certificate does not name, a
# missing ca_file.  With starttls = try an unverifiable server is used
# without TLS, with a warning.
. "$top_srcdir/tests/e2e/lib.sh"
e2e_require_root
e2e_require_cmd slapd ldapadd ldapmodify openssl

gen=$top_builddir/vps-data-gen
data=$E2E_TMP/vps.data
pki=$E2E_TMP/pki
mkdir -m 0755 "$pki"

# ca NAME: a self-signed CA in $pki/NAME.{key,pem}.
ca()
{
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
	    -subj "/CN=vpshost e2e $1" \
	    -keyout "$pki/$1.key" -out "$pki/$1.pem" 2>/dev/null
}

# The server's key and certificate, signed by the test CA, for 127.0.0.1.
server_cert()
{
	openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
	    -keyout "$pki/server.key" -out "$pki/server.csr" 2>/dev/null &&
	    printf 'subjectAltName = IP:127.0.0.1\n' >"$pki/ext" &&
	    openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.pem" \
	    -CAkey "$pki/ca.key" -CAcreateserial -days 2 \
	    -extfile "$pki/ext" -out "$pki/server.pem" 2>/dev/null
}

t_need "test CA" ca ca
t_need "another CA" ca other
t_need "server certificate for IP 127.0.0.1" server_cert
t_need "slapd starts with ldap/vps.ldif" start_slapd "$top_srcdir/ldap/vps.ldif"
printf '%s\n' "dn: cn=config" "changetype: modify" \
    "replace: olcTLSCertificateFile" \
    "olcTLSCertificateFile: $pki/server.pem" "-" \
    "replace: olcTLSCertificateKeyFile" \
    "olcTLSCertificateKeyFile: $pki/server.key" >"$E2E_TMP/tls.ldif"
t_need "slapd takes the certificate" ldap_config_modify "$E2E_TMP/tls.ldif"
t_need "load ldap/example.ldif" ldap_add "$top_srcdir/ldap/example.ldif"

# conf FILE URI STARTTLS [CA_FILE]
conf()
{
	{
		printf '[vps]\ndata = %s\nmembers = %s/members\n' "$data" \
		    "$E2E_TMP"
		printf '[access]\nsudoers = /nonexistent/sudoers\nsshd =\n'
		printf '[ldap]\nuri = %s\nbase = %s\nmember_base = %s\n' \
		    "$2" "$LDAP_VPS_BASE" "$LDAP_PEOPLE_BASE"
		printf 'bind_dn = %s\nbind_password_file = %s\n' \
		    "$LDAP_READER_DN" "$LDAP_READER_PW_FILE"
		printf 'starttls = %s\n' "$3"
		[ -z "${4:-}" ] || printf 'ca_file = %s\n' "$4"
	} >"$1"
}

snap()
{
	cp -p "$data" "$E2E_TMP/snap"
	stat -c '%i %y' "$data" >"$E2E_TMP/snap.stat"
}

unchanged()
{
	cmp -s "$data" "$E2E_TMP/snap" &&
	    [ "$(stat -c '%i %y' "$data")" = "$(cat "$E2E_TMP/snap.stat")" ]
}

conf "$E2E_TMP/good.conf" "$LDAP_URI" demand "$pki/ca.pem"
t_check "starttls = demand, ca_file = the server's CA: synced" \
    "$gen" -c "$E2E_TMP/good.conf"
t_eq "... the example's three VPS" 3 "$(grep -c '^[a-z]' "$data")"
t_check "ldapsearch -ZZ agrees the server speaks verified TLS" \
    env LDAPTLS_CACERT="$pki/ca.pem" ldapsearch -ZZ -LLL -x -H "$LDAP_URI" \
    -D "$LDAP_READER_DN" -y "$LDAP_READER_PW_FILE" -b "$LDAP_BASE" -s base dn
snap

# Drop one VPS in LDAP, so that a sync that got through would change the
# file: every refused sync below must leave it byte-identical.
victim=$(ldap_search -b "$LDAP_VPS_BASE" '(objectClass=vpsInstance)' dn |
    sed -n 's/^dn: //p' | head -1)
t_need "remove a VPS in LDAP" ldap_delete "$victim"

conf "$E2E_TMP/other.conf" "$LDAP_URI" demand "$pki/other.pem"
t_check_rc "demand, a CA that did not sign the certificate: exit 1" 1 \
    "$gen" -c "$E2E_TMP/other.conf" --force
t_check "... says what failed" grep -qi 'tls\|certificate' "$T_ERR"
t_check "... vps.data byte-identical" unchanged

conf "$E2E_TMP/name.conf" "ldap://localhost:$SLAPD_PORT" demand "$pki/ca.pem"
t_check_rc "demand, a host name the certificate does not name: exit 1" 1 \
    "$gen" -c "$E2E_TMP/name.conf" --force
t_check "... says what failed" grep -qi 'tls\|certificate' "$T_ERR"
t_check "... vps.data byte-identical" unchanged

conf "$E2E_TMP/missing.conf" "$LDAP_URI" demand "$pki/nonexistent.pem"
t_check_fails "demand, ca_file missing: refused" \
    "$gen" -c "$E2E_TMP/missing.conf" --force
cp "$T_ERR" "$E2E_TMP/missing.err"
t_check "... says what failed" grep -qi 'tls\|certificate\|nonexistent.pem' "$E2E_TMP/missing.err"
t_check "... vps.data byte-identical" unchanged

conf "$E2E_TMP/try.conf" "$LDAP_URI" try "$pki/other.pem"
t_check "try, an unverifiable server: synced without TLS" \
    "$gen" -c "$E2E_TMP/try.conf" --force
cp "$T_ERR" "$E2E_TMP/try.err"
t_check "... with a warning" grep -qi 'tls' "$E2E_TMP/try.err"
t_eq "... and the removed VPS is gone" 2 "$(grep -c '^[a-z]' "$data")"
t_done
