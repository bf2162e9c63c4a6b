# common.sh: the set-up shared by scripts/run, test, stack, psql, bench.
# Sourced, not run.  Everything lives under the data folder $AMOBILL_VAR.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGBIN=/usr/lib/postgresql/15/bin
# The FastCGI programs of cgi/ and dev/ that scripts/stack runs, each on
# $AMOBILL_VAR/run/<program>.sock, reached by nginx as amobill_<program>.
PROGRAMS="register login account password legal catalogue documents
checkout robokassa-result refund-request license-check sandbox"
PACKAGES="gcc make cmake pkg-config libfcgi-dev libpq-dev libssl-dev
libcjson-dev libcurl4-openssl-dev libsodium-dev postgresql-15 nginx openssl
curl python3 python3-aiosmtpd procps libcairo2-dev libpango1.0-dev
fonts-dejavu-core poppler-utils"

: "${AMOBILL_VAR:=$ROOT/var}"
: "${AMOBILL_PORT:=8080}"
: "${AMOBILL_BUILD:=$ROOT/build}"
: "${AMOBILL_WORKERS:=2}"
: "${AMOBILL_SMTP_PORT:=2525}"
export AMOBILL_VAR AMOBILL_PORT AMOBILL_BUILD AMOBILL_WORKERS AMOBILL_SMTP_PORT
AMOBILL_VAR=$(mkdir -p "$AMOBILL_VAR" && cd "$AMOBILL_VAR" && pwd)
: "${AMOBILL_CONFIG:=$AMOBILL_VAR/amobill.conf}"
export AMOBILL_CONFIG
# The cluster: the embedded one, or (AMOBILL_PGHOST) a server's socket
# folder, for scripts/migrate in production.
PGHOST=${AMOBILL_PGHOST:-$AMOBILL_VAR/pg}
export PGHOST

say() { printf '%s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# Installs the Debian packages that are missing (as root), or names them.
ensure_packages() {
	local missing="" p
	for p in $PACKAGES "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		say "Missing Debian packages. Run as root:"
		say "  apt-get install -y$missing"
		exit 1
	fi
	say "Installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2 &&
	    apt-get install -y -qq --no-install-recommends $missing >&2 ||
	    die "apt-get install failed"
}

# Node.js and npm for the browser tests: Debian's, unless the machine
# already has them (NodeSource's nodejs carries its own npm).
ensure_node() {
	command -v node >/dev/null && command -v npm >/dev/null && return 0
	ensure_packages nodejs npm
}

# Configures and builds into $AMOBILL_BUILD; SANITIZE=1 adds ASan+UBSan.
build() {
	cmake -S "$ROOT" -B "$AMOBILL_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DAMOBILL_SANITIZE="${SANITIZE:-0}" >/dev/null || die "cmake failed"
	cmake --build "$AMOBILL_BUILD" -j "$(nproc)" >/dev/null ||
	    { cmake --build "$AMOBILL_BUILD" 2>&1 | tail -40 >&2; die "build failed"; }
}

# Runs a command as the cluster's owner: postgres when we are root, since
# initdb refuses root.
as_pg() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

psql_super() {
	as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$PGHOST" -U postgres \
	    -d amobill "$@"
}

# The data folder: sockets, logs, cluster, config, signing key and mail.
prepare_var() {
	mkdir -p "$AMOBILL_VAR"/run "$AMOBILL_VAR"/log "$AMOBILL_VAR"/pg \
	    "$AMOBILL_VAR"/nginx "$AMOBILL_VAR"/mail "$AMOBILL_VAR"/journal
	chmod 755 "$AMOBILL_VAR" "$AMOBILL_VAR"/run "$AMOBILL_VAR"/nginx
	chmod 700 "$AMOBILL_VAR"/journal
	if [ "$(id -u)" = 0 ]; then
		chown postgres: "$AMOBILL_VAR"/pg
		runuser -u postgres -- test -x "$AMOBILL_VAR"/pg ||
		    die "The postgres user cannot reach $AMOBILL_VAR; set AMOBILL_VAR to a folder outside a private home, e.g. AMOBILL_VAR=/var/tmp/amobill"
	fi
	[ ${#AMOBILL_VAR} -le 80 ] ||
	    die "AMOBILL_VAR is too long for unix sockets: $AMOBILL_VAR"
	[ -f "$AMOBILL_VAR/license-key.pem" ] ||
	    openssl genpkey -algorithm ed25519 \
	    -out "$AMOBILL_VAR/license-key.pem" 2>/dev/null ||
	    die "cannot generate the license signing key"
	chmod 600 "$AMOBILL_VAR/license-key.pem"
	[ -f "$AMOBILL_CONFIG" ] || write_dev_config
	# A development configuration written before the site sent mail.
	if ! grep -q '^smtp_url' "$AMOBILL_CONFIG" &&
	    grep -q '^# Development configuration' "$AMOBILL_CONFIG"; then
		write_mail_config >>"$AMOBILL_CONFIG"
	fi
	# One written before the CSRF tokens were bound to the session.
	if ! grep -q '^csrf_secret' "$AMOBILL_CONFIG" &&
	    grep -q '^# Development configuration' "$AMOBILL_CONFIG"; then
		echo "csrf_secret = $(openssl rand -hex 32)" >>"$AMOBILL_CONFIG"
	fi
	# One written before robokassa-result kept a journal.
	if ! grep -q '^journal_dir' "$AMOBILL_CONFIG" &&
	    grep -q '^# Development configuration' "$AMOBILL_CONFIG"; then
		echo "journal_dir = $AMOBILL_VAR/journal" >>"$AMOBILL_CONFIG"
	fi
	# One written while the one amoCRM integration was configuration: the
	# integrations are data now, one per widget (add_dev_integrations),
	# and the programs refuse the old keys as unknown.
	if grep -q '^amocrm_' "$AMOBILL_CONFIG" &&
	    grep -q '^# Development configuration' "$AMOBILL_CONFIG"; then
		sed -i '/^amocrm_/d' "$AMOBILL_CONFIG"
	fi
}

# Mail goes to the local SMTP sink (dev/smtp-sink), which keeps every
# message in $AMOBILL_VAR/mail.
write_mail_config() {
	cat <<-EOF
	smtp_url = smtp://127.0.0.1:$AMOBILL_SMTP_PORT
	mail_from = noreply@example.kz
	admin_email = admin@example.kz
	EOF
}

write_dev_config() {
	local base="http://127.0.0.1:$AMOBILL_PORT"
	umask 077
	cat >"$AMOBILL_CONFIG" <<-EOF
	# Development configuration written by scripts/run; edit freely.
	base_url = $base
	database = host=$PGHOST dbname=amobill
	robokassa_merchant_login = demo
	robokassa_password1 = dev-password-1
	robokassa_password2 = dev-password-2
	robokassa_hash = md5
	robokassa_test = 1
	robokassa_url = $base/sandbox/robokassa/Index.aspx
	sandbox = 1
	trial_days = 14
	license_signing_key = $AMOBILL_VAR/license-key.pem
	merchant_name = ИП «Образец»
	merchant_bin = 940140000385
	merchant_address = 050000, г. Алматы, ул. Примерная, 1
	support_email = support@example.kz
	receipt_tax = none
	merchant_iik = KZ86125KZT5004100100
	merchant_bank = АО «Банк-образец»
	merchant_bic = SMPLKZKA
	merchant_kbe = 19
	invoice_knp = 859
	invoice_days = 5
	vat_rate = 0
	journal_dir = $AMOBILL_VAR/journal
	csrf_secret = $(openssl rand -hex 32)
	EOF
	write_mail_config >>"$AMOBILL_CONFIG"
	umask 022
}

# Creates the cluster on first use, starts it, applies the migrations and
# loads the development data.
start_database() {
	if [ ! -f "$AMOBILL_VAR/pg/data/PG_VERSION" ]; then
		as_pg "$PGBIN/initdb" -D "$AMOBILL_VAR/pg/data" -U postgres \
		    -A trust -E UTF8 --locale=C.UTF-8 >/dev/null ||
		    die "initdb failed"
	fi
	touch "$AMOBILL_VAR/log/postgresql.log"
	[ "$(id -u)" = 0 ] && chown postgres: "$AMOBILL_VAR/log/postgresql.log"
	if ! as_pg "$PGBIN/pg_ctl" -D "$AMOBILL_VAR/pg/data" status >/dev/null; then
		as_pg "$PGBIN/pg_ctl" -D "$AMOBILL_VAR/pg/data" -w -t 60 \
		    -l "$AMOBILL_VAR/log/postgresql.log" \
		    -o "-c listen_addresses= -k $PGHOST -c log_error_verbosity=terse ${PG_OPTIONS:-}" \
		    start >/dev/null || die "PostgreSQL did not start; see $AMOBILL_VAR/log/postgresql.log"
	fi
	as_pg psql -X -q -h "$PGHOST" -U postgres -d postgres -tAc \
	    "SELECT 1 FROM pg_database WHERE datname = 'amobill'" | grep -q 1 ||
	    as_pg createdb -h "$PGHOST" -U postgres amobill ||
	    die "createdb failed"
	"$ROOT/scripts/migrate" || die "migrations failed"
	psql_super -v offer="$(cat "$ROOT/sql/dev/offer.ru.txt")" \
	    -v payment_policy="$(cat "$ROOT/sql/dev/payment-policy.ru.txt")" \
	    -v privacy="$(cat "$ROOT/sql/dev/privacy.ru.txt")" \
	    -f "$ROOT/sql/dev/data.sql" >/dev/null || die "dev data failed"
	add_dev_integrations
}

# One amoCRM integration per catalogue widget that has none in force, each
# with a random client_uuid and secret and the site as its audience,
# through the administrator's function, listed for developers and tests in
# $AMOBILL_VAR/dev-integrations.tsv (contract §1).  Run again, it adds only
# what is missing.
add_dev_integrations() {
	local tsv=$AMOBILL_VAR/dev-integrations.tsv base code uuid secret
	base=$(sed -n 's/^base_url *= *//p' "$AMOBILL_CONFIG")
	# A new cluster (the data folder's pg/ removed) has none of a list
	# written before.
	[ "$(psql_super -tA -c 'SELECT count(*) FROM amobill.integrations')" != 0 ] ||
	    rm -f "$tsv"
	[ -s "$tsv" ] || (umask 077 &&
	    printf 'widget_code\tclient_uuid\tsecret\taudience\n' >"$tsv")
	chmod 600 "$tsv"
	for code in $(psql_super -tA -c "SELECT code FROM amobill.widgets w
	    WHERE NOT EXISTS (SELECT FROM amobill.integrations i
	        WHERE i.widget_code = w.code AND i.retired_at IS NULL)
	    ORDER BY code"); do
		uuid=$(cat /proc/sys/kernel/random/uuid)
		secret=$(openssl rand -hex 32)
		psql_super -v code="$code" -v uuid="$uuid" -v secret="$secret" \
		    -v aud="$base" >/dev/null <<-'EOF' || die "dev integration of $code failed"
		SELECT admin.add_integration(:'code', :'uuid', :'secret', :'aud',
		    'development integration (scripts/run)');
		EOF
		printf '%s\t%s\t%s\t%s\n' "$code" "$uuid" "$secret" "$base" >>"$tsv"
	done
}
