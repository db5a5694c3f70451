# tests/e2e/fault-load-lib.sh: many members in the menu at once, for
# tests/e2e/fault-load.sh (CI size) and bench/menu-load (50 x 100).
# Sourced after lib.sh and virsh-menu-lib.sh.
#
# load_setup ACTIVE IDLE: the installed virsh-menu and vps.conf (as
# virsh-menu-lib.sh installs them), ACTIVE + IDLE members with one tiny
# TCG domain each (64 MiB, a SATA CD-ROM, no disk, no display: nothing to
# boot, little to run on 2 cores), an ISO library with boot.iso, rules
# from sudoers-gen and sshd with them. Writes LOAD_ACTIVE and LOAD_IDLE
# ("member vps" lines).
#
# load_run M SECONDS [BASELINE_M]: every active member logs in over ssh
# (-tt: the interactive menu on a pty) at once and runs M commands of a
# cycle (status, start, status, attach_iso, status, detach_iso,
# shutdown, poweroff) on their own VPS, checking each answer. No command
# is started after SECONDS (a "time limit reached" result line says how
# many were done; the expected end states follow what was done). Prints "result:" lines (p50/p99 per command, per-session
# RSS of the menu and of its --serve helper, the baseline "sudo virsh
# domstate" under the same concurrency) and "errors: N"; writes the
# expected end state of each VPS to LOAD_EXPECT ("vps state iso").
#
# load_check: every VPS (active and idle) is in the state its own
# member's commands leave it in; prints one line per difference.
# shellcheck shell=bash

load_domain_xml()
{
	cat <<-EOF
	<domain type='qemu'>
	  <name>$1</name>
	  <memory unit='MiB'>64</memory>
	  <vcpu>1</vcpu>
	  <os><type arch='x86_64' machine='q35'>hvm</type><boot dev='cdrom'/></os>
	  <features><acpi/></features>
	  <devices>
	    <disk type='file' device='cdrom'>
	      <driver name='qemu' type='raw'/>
	      <target dev='sda' bus='sata'/>
	      <readonly/>
	    </disk>
	    <video><model type='none'/></video>
	    <memballoon model='none'/>
	  </devices>
	</domain>
	EOF
}

load_setup()
{
	local active=$1 idle=$2 bindir sysconfdir sudoers i u v
	bindir=$(menu_make_var bindir) || return 1
	sysconfdir=$(menu_make_var sysconfdir) || return 1
	MENU=$bindir/virsh-menu
	CONF=$sysconfdir/vps/vps.conf
	DATA=$E2E_TMP/vps.data
	ISODIR=$E2E_TMP/iso
	LOAD_ACTIVE=$E2E_TMP/load.active
	LOAD_IDLE=$E2E_TMP/load.idle
	LOAD_EXPECT=$E2E_TMP/load.expect
	sudoers=/etc/sudoers.d/$(e2e_name load | tr -d -- -)
	mkdir -m 0755 "$ISODIR" || return 1
	truncate -s 1M "$ISODIR/boot.iso" && chmod 0644 "$ISODIR/boot.iso" ||
	    return 1
	: >"$LOAD_ACTIVE"
	: >"$LOAD_IDLE"
	: >"$DATA"
	for ((i = 0; i < active + idle; i++)); do
		u=$(e2e_name "m$i")
		v=$(e2e_name "v$i")
		printf '%s:%s:1:64:1:%d\n' "$v" "$u" $((30000 + i)) >>"$DATA"
		if [ "$i" -lt "$active" ]; then
			echo "$u $v" >>"$LOAD_ACTIVE"
		else
			echo "$u $v" >>"$LOAD_IDLE"
		fi
	done
	chmod 0640 "$DATA"
	menu_configure "$sudoers" || return 1
	while read -r u v; do
		add_member "$u" "$MENU" || return 1
		defer e2e_forget_domain "$v"
		load_domain_xml "$v" >"$E2E_TMP/$v.xml"
		e2e_virsh define "$E2E_TMP/$v.xml" >/dev/null || return 1
	done < <(cat "$LOAD_ACTIVE" "$LOAD_IDLE")
	# All members log in at once: more unauthenticated connections than
	# sshd's default MaxStartups (10) lets through.
	SSHD_INCLUDE=$E2E_TMP/sshd-vps.conf SSHD_EXTRA="MaxStartups 200" \
	    start_sshd
}

load_driver()
{
	cat <<-'EOF'
	import os, re, select, statistics, subprocess, sys, threading, time

	cfg, active, expect = sys.argv[1], sys.argv[2], sys.argv[3]
	m, seconds, base_m = int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
	members = [l.split() for l in open(active) if l.strip()]
	CYCLE = [
	    ("status", r"^State: +shut off$"),
	    ("start", r"^Domain {v} started$"),
	    ("status", r"^State: +running$"),
	    ("attach_iso boot.iso", r"^Successfully inserted media\.$"),
	    ("status", r"^ISO: +boot\.iso$"),
	    ("detach_iso", r"^Successfully ejected media\.$"),
	    ("shutdown", r"^Domain {v} is being shutdown$"),
	    ("poweroff", r"^Domain {v} destroyed$"),
	]
	ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|[\x07\x08]")
	# No command is sent after t_end; one under way may take 60 s more.
	t_end = time.monotonic() + seconds
	t_hard = t_end + 60
	lock = threading.Lock()
	lat = {}
	errors = []
	done = [0]
	count = {}

	def err(user, what):
	    with lock:
	        errors.append("%s: %s" % (user, what))

	def read_prompt(p, user):
	    buf = b""
	    while not buf.endswith(b">>> "):
	        left = t_hard - time.monotonic()
	        if left <= 0:
	            raise RuntimeError("no prompt 60 s after the time limit")
	        r, _, _ = select.select([p.stdout], [], [], left)
	        if not r:
	            continue
	        chunk = os.read(p.stdout.fileno(), 65536)
	        if not chunk:
	            raise RuntimeError("session ended: %r" % buf[-200:])
	        buf += chunk
	    text = ANSI.sub("", buf.decode("ascii", "replace"))
	    return [l.strip("\r ") for l in text.split("\n")]

	def member(user, vps):
	    p = subprocess.Popen(["ssh", "-F", cfg, "-tt", "-l", user, "e2e"],
	                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
	                         stderr=subprocess.STDOUT, env=dict(os.environ, TERM="dumb"))
	    try:
	        read_prompt(p, user)
	        count[vps] = 0
	        for i in range(m):
	            if time.monotonic() >= t_end:
	                break
	            cmd, want = CYCLE[i % len(CYCLE)]
	            t0 = time.monotonic()
	            p.stdin.write(cmd.encode() + b"\r")
	            p.stdin.flush()
	            lines = read_prompt(p, user)[1:-1]
	            dt = time.monotonic() - t0
	            with lock:
	                lat.setdefault(cmd.split()[0], []).append(dt)
	                done[0] += 1
	                count[vps] = i + 1
	            bad = [l for l in lines if l.startswith("virsh-menu:")]
	            if bad:
	                err(user, "%s: %s" % (cmd, bad[0]))
	            elif not any(re.match(want.format(v=re.escape(vps)), l) for l in lines):
	                err(user, "%s: unexpected answer %r" % (cmd, lines))
	            if cmd == "status" and not any(re.match(r"^Name: +%s$" % re.escape(vps), l) for l in lines):
	                err(user, "status shows another VPS: %r" % lines)
	        p.stdin.write(b"quit\r")
	        p.stdin.flush()
	    except Exception as e:
	        err(user, str(e))
	    finally:
	        try:
	            p.stdin.close()
	        except OSError:
	            pass
	        try:
	            p.wait(timeout=max(1, t_hard - time.monotonic()))
	        except subprocess.TimeoutExpired:
	            p.kill()
	            p.wait()

	# Peak RSS per session of both halves, sampled from /proc.
	rss_ui, rss_serve = {}, {}
	stop = threading.Event()
	def sampler():
	    while not stop.is_set():
	        for pid in os.listdir("/proc"):
	            if not pid.isdigit():
	                continue
	            try:
	                st = open("/proc/%s/status" % pid).read()
	                if "\nName:\tvirsh-menu" not in "\n" + st:
	                    continue
	                argv = open("/proc/%s/cmdline" % pid, "rb").read().split(b"\0")
	            except OSError:
	                continue
	            kb = int(re.search(r"VmRSS:\s+(\d+)", st).group(1))
	            # The helper: "virsh-menu --serve VPS", or the server it
	            # executes (PKGLIBEXECDIR/virsh-menu-serve), as root.
	            if b"--serve" in argv or b"virsh-menu-serve" in argv[0]:
	                d, key = rss_serve, pid
	            else:
	                d, key = rss_ui, re.search(r"Uid:\s+(\d+)", st).group(1)
	            d[key] = max(d.get(key, 0), kb)
	        stop.wait(0.5)

	def pct(xs, q):
	    xs = sorted(xs)
	    return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000

	s = threading.Thread(target=sampler)
	s.start()
	t0 = time.monotonic()
	ts = [threading.Thread(target=member, args=(u, v)) for u, v in members]
	for t in ts: t.start()
	for t in ts: t.join()
	wall = time.monotonic() - t0
	stop.set()
	s.join()

	# Baseline: the same members at once, "sudo virsh domstate" per command.
	base = []
	def baseline(vps):
	    for i in range(base_m):
	        t = time.monotonic()
	        r = subprocess.run(["sudo", "-n", "virsh", "-c", "qemu:///system",
	                            "domstate", vps], stdout=subprocess.DEVNULL)
	        with lock:
	            base.append(time.monotonic() - t)
	        if r.returncode != 0:
	            err("baseline", "virsh domstate %s failed" % vps)
	ts = [threading.Thread(target=baseline, args=(v,)) for u, v in members]
	for t in ts: t.start()
	for t in ts: t.join()

	with open(expect, "w") as f:
	    for u, v in members:
	        k = count.get(v, 0) % len(CYCLE)
	        f.write("%s %s %s\n" % (v, "running" if 2 <= k <= 7 else "shut_off",
	                                "boot.iso" if k in (4, 5) else "-"))
	print("result: %d members x %d commands: %d done in %.1f s (limit %.0f s)"
	      % (len(members), m, done[0], wall, seconds))
	for cmd in sorted(lat):
	    print("result: %-10s n=%-5d p50 %7.1f ms  p99 %7.1f ms"
	          % (cmd, len(lat[cmd]), pct(lat[cmd], 0.5), pct(lat[cmd], 0.99)))
	allc = [x for xs in lat.values() for x in xs]
	if allc and base:
	    print("result: all commands  p50 %7.1f ms  p99 %7.1f ms"
	          % (pct(allc, 0.5), pct(allc, 0.99)))
	    print("result: baseline sudo virsh domstate (%d x %d at once): p50 %.1f ms  p99 %.1f ms"
	          % (len(members), base_m, pct(base, 0.5), pct(base, 0.99)))
	    print("result: ratio menu status p50 / baseline p50: %.2f"
	          % (pct(lat.get("status", allc), 0.5) / pct(base, 0.5)))
	for name, d in (("menu (member)", rss_ui), ("--serve (root)", rss_serve)):
	    if d:
	        v = sorted(d.values())
	        print("result: RSS per session, %s: median %d KiB, max %d KiB (%d sessions)"
	              % (name, statistics.median(v), v[-1], len(v)))
	if done[0] != len(members) * m:
	    print("result: time limit reached: %d of %d commands done"
	          % (done[0], len(members) * m))
	for e in errors[:20]:
	    print("error: " + e)
	print("errors: %d" % len(errors))
	EOF
}

load_run()
{
	load_driver >"$E2E_TMP/load.py"
	python3 "$E2E_TMP/load.py" "$E2E_SSH_CONFIG" "$LOAD_ACTIVE" \
	    "$LOAD_EXPECT" "$1" "$2" "${3:-$1}"
}

# One VPS's state and ISO as libvirt sees them: "vps state iso" (a
# state's spaces as "_", no ISO as "-").
load_actual()
{
	local iso
	iso=$(e2e_virsh domblklist "$1" | awk '$1 == "sda" { print $2 }')
	[ -n "$iso" ] && [ "$iso" != - ] || iso=-
	printf '%s %s %s\n' "$1" "$(e2e_virsh domstate "$1" | tr ' ' _)" \
	    "${iso##*/}"
}

load_check()
{
	local u v state iso bad=0
	while read -r v state iso; do
		[ "$(load_actual "$v")" = "$v $state $iso" ] && continue
		echo "$v: expected $state $iso, got $(load_actual "$v")"
		bad=$((bad + 1))
	done < <(cat "$LOAD_EXPECT"; while read -r u v; do echo "$v shut_off -"; done <"$LOAD_IDLE")
	return "$bad"
}
