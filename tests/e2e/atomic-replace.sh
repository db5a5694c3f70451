#!/usr/bin/env bash
# atomic-replace.sh: vps.data is replaced atomically on a real file system.
# One writer replaces the file over and over with two data sets of very
# different sizes while three readers parse it in a loop: every read must
# be a whole, valid file (one of the two sets), never a part. Then the
# writer is killed with SIGKILL mid-run: the file is still whole.
. "$top_srcdir/tests/e2e/lib.sh"
e2e_require_root

stress=$top_builddir/tests/e2e/vpsdata-stress

# race DIR LABEL: writer and readers on DIR/vps.data at once.
race()
{
	local dir=$1 label=$2 data=$1/vps.data pids=() rc=0 i
	t_check "$label: first write" "$stress" write "$data" 1 || return
	for i in 1 2 3; do
		"$stress" read "$data" 4 >"$E2E_TMP/reader$i.out" 2>&1 &
		pids+=($!)
	done
	t_check "$label: 400 replacements while 3 readers parse" \
	    "$stress" write "$data" 400
	for i in 1 2 3; do
		wait "${pids[$((i - 1))]}" || rc=1
	done
	cat "$E2E_TMP"/reader*.out | diag
	t_eq "$label: every read saw a whole file" 0 "$rc"
	# Both sets must have been seen, or the readers did not overlap the
	# writer and proved nothing.
	t_check "$label: readers saw both versions" \
	    grep -qE 'small=[1-9][0-9]* large=[1-9]' "$E2E_TMP/reader1.out"
	t_eq "$label: mode 0640" 640 "$(stat -c %a "$data")"
	t_eq "$label: no temporary file left" "" \
	    "$(find "$dir" -name '.vps.data.*' -print)"
}

# killed DIR LABEL: SIGKILL the writer at some point of its run.
killed()
{
	local data=$1/vps.data pid i
	for i in 1 2 3 4 5; do
		"$stress" write "$data" 100000 >/dev/null 2>&1 &
		pid=$!
		sleep "0.$((RANDOM % 5 + 1))"
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		t_check "$2: whole file after SIGKILL of the writer ($i)" \
		    "$stress" read "$data" 1
	done
}

dir=$E2E_TMP/plain
mkdir -p "$dir"
race "$dir" "$(stat -f -c %T "$dir")"
killed "$dir" "$(stat -f -c %T "$dir")"

# The same on ext4 with a journal, on a loop device: rename(2) and fsync
# as on a host's /etc.
img=$E2E_TMP/ext4.img
mnt=$E2E_TMP/ext4
mkdir -p "$mnt"
truncate -s 64M "$img"
# mkfs.ext4 is installed by tools/check (e2fsprogs): its failure is one.
# Only the kernel refusing the loop mount (no loop devices or no ext4 on
# this machine kind) is a reason to skip.
if t_check "mkfs.ext4 on an image file" mkfs.ext4 -q -F "$img"; then
	e2e_hold
	if mount -o loop "$img" "$mnt" 2>"$E2E_TMP/mount.err"; then
		defer umount "$mnt"
		e2e_release 0
		race "$mnt" ext4
		killed "$mnt" ext4
	else
		e2e_release 0
		diag <"$E2E_TMP/mount.err"
		t_skip "ext4 on a loop device" \
		    "machine: the kernel does not mount an ext4 image on a loop device here"
	fi
fi

t_done
