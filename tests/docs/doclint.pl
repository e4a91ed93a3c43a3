#!/usr/bin/perl
# Checks that the docs are true to the code (tests/docs/test-docs.sh runs
# it). One subcommand per check; each prints one line per problem found
# and nothing else, and exits 0 (the caller counts the lines):
#   paths       every repository path a doc or diagram names exists
#               (guest/<name>.efi: the program of guest/<name>.c)
#   source-paths  every file a source file names (C, assembly, linker
#               script, Makefile; in comments or code) exists: a path
#               under a top-level directory, or a bare name such as
#               vmx_entry.S that some file of the repository has
#   sdm         one SDM numbering: a section title quoted after its number
#               ("12.11.9 \"Large Page Size Considerations\"") has the same
#               number wherever the sources or docs cite it
#   functions   every name() a doc or diagram names occurs in the source
#               as a call, definition or assembly label
#   targets T   every `make <target>` in a doc is one of the targets T
#               (a space-separated list, from make's database)
#   config      the keys of docs/config.md's table are the user keys
#               boot/config.c parses (user_keys[]), both ways, and none of
#               its test hooks (test_hooks[])
#   filemap     the table of docs/architecture.md's "Files" section names
#               every source file (.c .h .S .ld .mk) of the product's
#               folders (boot, vmm, ept, arch, lib), each in its own folder's
#               row, and nothing else: the map matches the tree, both ways
#   links       relative links between docs resolve, #anchors included
#   logs        every quoted log line "[LEVEL cpuN stage] message" in a
#               doc or diagram matches a log call of the source (level,
#               stage and format); a trailing "..." stands for the rest
#   code        the lines of every diagram node with code="FILE" occur in
#               FILE (whitespace aside)
#   claims      prints the size/offset/constant claims of a diagram, one
#               per line, for the C check in test-docs.sh:
#                 sizeof STRUCT N | member STRUCT FIELD OFFSET SIZE |
#                 const NAME N | kib BYTES KIB | bad TEXT
#   svgtext F   the text of an SVG's <text> elements, one per line
# Docs: README.md, docs/*.md; diagrams: docs/diagrams/*.dot. Run from the
# repository root.
use strict;
use warnings;

my @docs = ('README.md', sort glob('docs/*.md'));
my @dots = sort glob('docs/diagrams/*.dot');

sub slurp {
	my ($f) = @_;
	open(my $fh, '<', $f) or die "cannot read $f: $!\n";
	local $/;
	my $s = <$fh>;
	close($fh);
	return $s;
}

# Source files of the project (not build/ or .git/).
sub sources {
	my @exts = @_;
	my $re = join('|', map { quotemeta } @exts);
	my @out;
	open(my $fh, '-|', 'find', '.', '(', '-path', './build', '-o', '-path', './.git', ')',
	     '-prune', '-o', '-type', 'f', '-print') or die "find: $!\n";
	while (my $f = <$fh>) {
		chomp $f;
		$f =~ s{^\./}{};
		push @out, $f if $f =~ /\.(?:$re)$/;
	}
	close($fh);
	return sort @out;
}

# Text of a diagram as a reader sees it: the quoted strings (labels,
# comments aside), with dot's escapes undone.
sub dot_text {
	my ($f) = @_;
	my $s = slurp($f);
	$s =~ s{^\s*//.*$}{}mg;
	my @parts;
	while ($s =~ /"((?:[^"\\]|\\.)*)"/sg) {
		push @parts, unescape_dot($1);
	}
	while ($s =~ /label\s*=\s*<(.*?)>\s*[,\]]/sg) {
		(my $h = $1) =~ s/<[^>]*>/ /g;
		push @parts, $h;
	}
	return join("\n", @parts);
}

sub unescape_dot {
	my ($t) = @_;
	$t =~ s/\\\n//g; # a backslash before the line end continues the line
	$t =~ s/\\[lnr]/\n/g;
	$t =~ s/\\(.)/$1/g;
	return $t;
}

# Markdown: (code block lines and inline code spans, the whole text).
sub md_code {
	my ($s) = @_;
	my (@code, @prose);
	my $in = 0;
	for my $line (split /\n/, $s) {
		if ($line =~ /^\s*```/) {
			$in = !$in;
			next;
		}
		if ($in) {
			push @code, $line;
		} else {
			push @prose, $line;
			push @code, $1 while $line =~ /`([^`]+)`/g;
		}
	}
	return @code;
}

sub all_texts {
	my %t;
	$t{$_} = slurp($_) for @docs;
	$t{$_} = dot_text($_) for @dots;
	return %t;
}

my %top_dirs;
sub top_dirs {
	return %top_dirs if %top_dirs;
	opendir(my $dh, '.') or die;
	for my $d (readdir $dh) {
		next if $d =~ /^\./ || $d eq 'build' || !-d $d;
		$top_dirs{$d} = 1;
	}
	closedir($dh);
	return %top_dirs;
}

# A repository path in a doc: under a top-level directory of the
# repository. In code (spans, blocks, link targets) every such path is
# checked; in prose only one with a file extension ("guest/host masks" is
# no path). A path followed by ":<line>" is a quote from a foreign log
# (a kernel warning), not ours.
sub path_candidates {
	my ($text, $all) = @_;
	my %dirs = top_dirs();
	my $dre = join('|', map { quotemeta } sort keys %dirs);
	my @out;
	while ($text =~ m{(?<![\w/.\\<>\$-])((?:$dre)/[\w./<>*-]*+)(:\d)?}g) {
		my ($p, $line_no) = ($1, $2);
		$p =~ s{[./-]+$}{};
		next if $line_no || $p =~ /[*<>]/ || $p !~ m{/.};
		push @out, $p if $all || $p =~ m{\.\w+$};
	}
	return @out;
}

sub check_paths {
	my %cand;
	for my $f (@docs) {
		my $s = slurp($f);
		my @links = $s =~ /\]\(([^)\s#]+)/g;
		push @{$cand{$f}}, path_candidates(join("\n", md_code($s), @links), 1),
			path_candidates($s, 0);
	}
	push @{$cand{$_}}, path_candidates(dot_text($_), 1) for @dots;
	for my $f (sort keys %cand) {
		my %seen;
		for my $p (@{$cand{$f}}) {
			next if $seen{$p}++;
			# guest/<name>.efi: the guest program built from guest/<name>.c
			(my $src = $p) =~ s{^(guest/[\w-]+)\.efi$}{$1.c};
			print "$f: names $p, which does not exist\n" unless -e $p || -e $src;
		}
	}
}

# Names in the sources: every path with an extension under a top-level
# directory, and every bare file name (word.c, .h, .S, .ld, .mk, .sh,
# .pl, .py, .md) as the basename of some file. guest/<name>.efi is the
# program of guest/<name>.c; names with a $ or * are patterns, <name.h>
# a system header, and a name after "KVM's" (or another project's name)
# another project's file.
sub check_source_paths {
	my @files = (sources(qw(c h S ld mk)), 'Makefile');
	my %base;
	$base{(m{([^/]+)$})[0]} = 1 for sources(qw(c h S ld mk sh pl py md cfg dot));
	for my $f (@files) {
		my $s = slurp($f);
		my %seen;
		for my $p (path_candidates($s, 0)) {
			next if $seen{$p}++;
			(my $src = $p) =~ s{^(guest/[\w-]+)\.efi$}{$1.c};
			print "$f: names $p, which does not exist\n" unless -e $p || -e $src;
		}
		while ($s =~ m{(?<![\w/.\$*<>-])([A-Za-z_][\w-]*\.(?:c|h|S|ld|mk|sh|pl|py|md))\b(?![\w/])}g) {
			my $n = $1;
			# another project's file ("KVM's vmx_ops.h")
			next if substr($s, 0, $-[1]) =~ /\b(?:KVM|Linux|ACRN|xv6|SimpleVisor|MiniVisor|EDK2|gnu-efi)(?:'s)?[\s*]+$/;
			next if $seen{$n}++;
			print "$f: names $n, which no file of the repository is\n" unless $base{$n};
		}
	}
}

# SDM citations: N.N[.N] "Title" (a comma may follow the number; a title
# may run over comment lines). Other specifications (ACPI) cite their own
# sections: only text after "SDM" or "Vol." on the same citation counts,
# which the caller's pattern keeps simple by skipping ACPI files.
sub check_sdm {
	my %num_of;
	my @files = grep { !m{acpi} } (sources(qw(c h S)), @docs, @dots);
	for my $f (@files) {
		my $s = slurp($f);
		$s =~ s{\n\s*(?:\*|//|\#)?\s*}{ }g;    # comment lines joined
		while ($s =~ m{(?<![\w.-])(\d{1,2}(?:\.\d+)+),?\s+"([A-Z][^"]{3,80})"}g) {
			my ($n, $t) = ($1, $2);
			$t =~ s/\s+/ /g;
			push @{$num_of{$t}{$n}}, $f;
		}
	}
	for my $t (sort keys %num_of) {
		my @n = sort keys %{$num_of{$t}};
		next if @n < 2;
		print "\"$t\" is cited as " . join(', ', map { "$_ (" . join(' ', sort keys %{{ map { $_ => 1 } @{$num_of{$t}{$_}} }}) . ")" } @n) . "\n";
	}
}

sub check_functions {
	my %t = all_texts();
	my %names;
	for my $f (sort keys %t) {
		while ($t{$f} =~ /(?<![\w.>-])([A-Za-z_]\w*)\(\)/g) {
			push @{$names{$1}}, $f;
		}
	}
	my $src = join("\n", map { slurp($_) } sources('c', 'h', 'S'));
	for my $n (sort keys %names) {
		next if $src =~ /\b\Q$n\E\s*\(/ || $src =~ /^\s*\Q$n\E:/m;
		my %in = map { $_ => 1 } @{$names{$n}};
		print join(', ', sort keys %in), ": names $n(), which is in no source file\n";
	}
}

sub check_targets {
	my %ok = map { $_ => 1 } split ' ', ($_[0] // '');
	for my $f (@docs) {
		my %seen;
		for my $c (md_code(slurp($f))) {
			next unless $c =~ /^\s*(?:\$\s+)?make\s+(.*)$/;
			my @words = split ' ', $1;
			my ($target) = grep { !/^-/ && !/=/ } @words;
			next unless defined $target;
			next unless $target =~ /^[a-z][\w-]*$/;
			next if $seen{$target}++;
			print "$f: mentions 'make $target', which no Makefile defines\n" unless $ok{$target};
		}
	}
}

sub check_config {
	my $doc = slurp('docs/config.md');
	my $src = slurp('boot/config.c');
	my %dk = map { $_ => 1 } ($doc =~ /^\|\s*`(\w+)`\s*\|/mg);
	my ($users) = $src =~ /\buser_keys\[\]\s*=\s*\{(.*?)\n\};/s;
	my ($hooks) = $src =~ /\btest_hooks\[\]\s*=\s*\{(.*?)\n\};/s;
	my %sk = map { $_ => 1 } (($users // '') =~ /\{\s*"(\w+)"\s*,/g);
	print "boot/config.c parses no key at all (user_keys[] = { { \"...\", ... } } not found)\n"
		unless %sk;
	print "docs/config.md's table lists no key\n" unless %dk;
	for my $k (($hooks // '') =~ /\{\s*"(\w+)"\s*,/g) {
		print "test hook '$k' of boot/config.c is in docs/config.md's table (not a user setting)\n"
			if $dk{$k};
	}
	for my $k (sort keys %sk) {
		print "key '$k' is parsed by boot/config.c but missing from docs/config.md's table\n"
			unless $dk{$k};
	}
	for my $k (sort keys %dk) {
		print "key '$k' is in docs/config.md's table but boot/config.c does not parse it\n"
			unless $sk{$k};
	}
}

# GitHub's anchor for a heading.
sub slug {
	my ($h) = @_;
	$h = lc $h;
	$h =~ s/`//g;
	$h =~ s/\[([^\]]*)\]\([^)]*\)/$1/g;
	$h =~ s/[^\w\- ]//g;
	$h =~ s/ /-/g;
	return $h;
}

sub anchors {
	my ($f) = @_;
	my (%a, %n);
	my $in = 0;
	for my $line (split /\n/, slurp($f)) {
		$in = !$in if $line =~ /^\s*```/;
		next if $in || $line !~ /^#+\s+(.*?)\s*#*\s*$/;
		my $s = slug($1);
		my $k = $n{$s}++ ? "$s-" . ($n{$s} - 1) : $s;
		$a{$k} = 1;
	}
	return %a;
}

sub check_links {
	for my $f (@docs) {
		(my $dir = $f) =~ s{[^/]*$}{};
		my $s = slurp($f);
		$s =~ s/^\s*```.*?^\s*```//msg;
		while ($s =~ /\]\(([^)\s]+)\)/g) {
			my $l = $1;
			next if $l =~ m{^[a-z]+:};
			my ($path, $anchor) = split /#/, $l, 2;
			my $target = $path eq '' ? $f : "$dir$path";
			1 while $target =~ s{(^|/)[^/.][^/]*/\.\./}{$1};
			if (!-e $target) {
				print "$f: link ($l): $target does not exist\n";
				next;
			}
			next unless defined $anchor && $target =~ /\.md$/;
			my %a = anchors($target);
			print "$f: link ($l): $target has no heading with anchor #$anchor\n"
				unless $a{$anchor};
		}
	}
}

my %level_of = (err => 'ERROR', warn => 'WARN', info => 'INFO', debug => 'DEBUG');

# Every log call of the source: [level, stage or undef (unknown), tokens
# of the format as regex pieces].
sub log_formats {
	my (@out, %global);
	my @files = sources('c', 'h');
	for my $f (@files) {
		my $s = slurp($f);
		while ($s =~ /^#define\s+(\w+)\s+"([^"]*)"\s*$/mg) {
			# a name defined differently in two files resolves per file only
			$global{$1} = exists $global{$1} && (!defined $global{$1} || $global{$1} ne $2)
				? undef : $2;
		}
	}
	for my $f (grep { /\.c$/ } @files) {
		my $s = slurp($f);
		my %local;
		$local{$1} = $2 while $s =~ /^#define\s+(\w+)\s+"([^"]*)"\s*$/mg;
		while ($s =~ /\blog_(err|warn|info|debug)\s*\(\s*([^,()]+?)\s*,\s*((?:"(?:[^"\\]|\\.)*"\s*)+)/g) {
			my ($lvl, $stage_expr, $lits) = ($level_of{$1}, $2, $3);
			my $stage;
			if ($stage_expr =~ /^"([^"]*)"$/) {
				$stage = $1;
			} elsif (exists $local{$stage_expr}) {
				$stage = $local{$stage_expr};
			} elsif (defined $global{$stage_expr}) {
				$stage = $global{$stage_expr};
			}
			my $fmt = '';
			$fmt .= $1 while $lits =~ /"((?:[^"\\]|\\.)*)"/g;
			$fmt =~ s/\\(["\\'])/$1/g;
			my @tok;
			while ($fmt =~ /\G(?:(%%)|(%[-+ #0]*\d*(?:\.\d+)?(?:hh|h|ll|l|z|j|t)?[diouxXcsp])|(.))/sg) {
				push @tok, defined $1 ? '%' : defined $2 ? '.*' : quotemeta($3);
			}
			push @out, [$lvl, $stage, \@tok, "$f: $fmt"];
		}
	}
	return @out;
}

# A regex that matches what the format prints, or a prefix of it that
# holds at least its first PREFIX_MIN_LITERAL literal characters: the
# tokens after those nested as optional groups, ab(?:c(?:d)?)?. A format
# with fewer literal characters than that (a bare "%s") matches nothing.
use constant PREFIX_MIN_LITERAL => 8;

sub prefix_re {
	my ($tok) = @_;
	my ($lits, $m) = (0, 0);
	$lits += ($_ ne '.*') for @$tok;
	return qr/(?!)/ if $lits < 4;
	my $need = $lits < PREFIX_MIN_LITERAL ? $lits : PREFIX_MIN_LITERAL;
	for (my $seen = 0; $seen < $need; $m++) {
		$seen++ if $tok->[$m] ne '.*';
	}
	my $r = '';
	for my $t (reverse @$tok[$m .. $#$tok]) {
		$r = $r eq '' ? $t : "$t(?:$r)?";
	}
	my $head = join('', @$tok[0 .. $m - 1]);
	return $r eq '' ? qr/^(?:$head)$/s : qr/^(?:$head)(?:$r)?$/s;
}

# Quoted lines may be cut short (a trailing "..." is dropped) and may hold
# placeholders such as <start>, which stand for a printed value: they
# become a character no format prints literally, which only a conversion
# (.*) matches.
sub check_logs {
	my @fmts = log_formats();
	print "no log calls found in the source\n" unless @fmts;
	$_->[4] = prefix_re($_->[2]) for @fmts;
	my %t;
	for my $f (@docs) {
		$t{$f} = join("\n", md_code(slurp($f)));
	}
	$t{$_} = dot_text($_) for @dots;
	for my $f (sort keys %t) {
		for my $line (split /\n/, $t{$f}) {
			next unless $line =~ /^\s*\[(ERROR|WARN|INFO|DEBUG) cpu\d+ ([\w-]+)\] (.*?)\s*$/;
			my ($lvl, $stage, $msg) = ($1, $2, $3);
			(my $m = $msg) =~ s/\s*\.\.\.$//;
			$m =~ s/<[a-z][\w -]*>/\x{1}/g;
			my $found = grep {
				$_->[0] eq $lvl && (!defined $_->[1] || $_->[1] eq $stage) && $m =~ $_->[4]
			} @fmts;
			print "$f: no $lvl log call with stage '$stage' prints: $msg\n" unless $found;
		}
	}
}

sub norm {
	my ($s) = @_;
	$s =~ s/\s+//g;
	return $s;
}

sub check_code {
	for my $f (@dots) {
		my $s = slurp($f);
		while ($s =~ /\[([^\[\]]*\bcode\s*=\s*"([^"]+)"[^\[\]]*)\]/sg) {
			my ($attrs, $file) = ($1, $2);
			if (!-f $file) {
				print "$f: code=\"$file\": no such file\n";
				next;
			}
			my ($label) = $attrs =~ /label\s*=\s*"((?:[^"\\]|\\.)*)"/s;
			if (!defined $label) {
				print "$f: node with code=\"$file\" has no plain label\n";
				next;
			}
			my $src = norm(slurp($file));
			my @lines = grep { /\S/ } split /\n/, unescape_dot($label);
			shift @lines; # the heading
			print "$f: node with code=\"$file\" quotes no line\n" unless @lines;
			for my $l (@lines) {
				print "$f: not in $file: $l\n" unless index($src, norm($l)) >= 0;
			}
		}
	}
}

sub claims {
	my ($f) = @_;
	my $s = slurp($f);
	$s =~ s{^\s*//.*$}{}mg;
	my @labels;
	while ($s =~ /label\s*=\s*"((?:[^"\\]|\\.)*)"/sg) {
		push @labels, unescape_dot($1);
	}
	while ($s =~ /label\s*=\s*<(.*?)>\s*[,\]]/sg) {
		(my $h = $1) =~ s/<[^>]*>/ /g;
		$h =~ s/&amp;/&/g;
		push @labels, $h;
	}
	for my $l (@labels) {
		print "sizeof $1 $2\n" while $l =~ /struct (\w+): (\d+) bytes/g;
		print "kib $1 $2\n" while $l =~ /(\d+) bytes \((\d+) KiB\)/g;
		print "const $1 $2\n" while $l =~ /\b([A-Z][A-Z0-9_]{2,}) = (\d+)\b/g;
		my $struct;
		while ($l =~ /struct (\w+)|(\+0x([0-9a-fA-F]+) (\w+) \[(\d+)\])/g) {
			if (defined $1) {
				$struct = $1;
			} elsif (defined $struct) {
				print "member $struct $4 " . hex($3) . " $5\n";
			} else {
				print "bad $2 (no 'struct NAME' before it in its label)\n";
			}
		}
	}
}

sub svgtext {
	my $s = slurp($_[0]);
	while ($s =~ /<text\b[^>]*>(.*?)<\/text>/sg) {
		my $t = $1;
		$t =~ s/&lt;/</g;
		$t =~ s/&gt;/>/g;
		$t =~ s/&quot;/"/g;
		$t =~ s/&#39;/'/g;
		$t =~ s/&#45;/-/g;
		$t =~ s/&amp;/&/g;
		print "$t\n";
	}
}

# The "Files" table of docs/architecture.md against the tree.
sub check_filemap {
	my $doc = slurp('docs/architecture.md');
	my ($sec) = $doc =~ /^## Files\n(.*?)^## /ms;
	if (!defined $sec) {
		print "docs/architecture.md has no \"## Files\" section\n";
		return;
	}
	my %map;
	while ($sec =~ /^\|\s*`([^`]+)\/`\s*\|[^|\n]*\|([^|\n]*)\|\s*$/mg) {
		my ($dir, $files) = ($1, $2);
		$map{"$dir/$_"} = 1 for ($files =~ /`([^`\/]+)`/g);
	}
	my %tree;
	for my $top ('boot', 'vmm', 'ept', 'arch', 'lib') {
		open(my $fh, '-|', 'find', $top, '-type', 'f') or die "find: $!\n";
		while (my $f = <$fh>) {
			chomp $f;
			$tree{$f} = 1 if $f =~ /\.(c|h|S|ld|mk)$/;
		}
		close($fh);
	}
	for my $f (sort keys %tree) {
		print "$f is not in docs/architecture.md's file map\n" unless $map{$f};
	}
	for my $f (sort keys %map) {
		print "docs/architecture.md's file map names $f, which is not in the tree\n" unless $tree{$f};
	}
}

my $cmd = shift @ARGV // '';
if ($cmd eq 'paths') { check_paths(); }
elsif ($cmd eq 'source-paths') { check_source_paths(); }
elsif ($cmd eq 'sdm') { check_sdm(); }
elsif ($cmd eq 'functions') { check_functions(); }
elsif ($cmd eq 'targets') { check_targets($ARGV[0]); }
elsif ($cmd eq 'config') { check_config(); }
elsif ($cmd eq 'filemap') { check_filemap(); }
elsif ($cmd eq 'links') { check_links(); }
elsif ($cmd eq 'logs') { check_logs(); }
elsif ($cmd eq 'code') { check_code(); }
elsif ($cmd eq 'claims') { claims($ARGV[0]); }
elsif ($cmd eq 'svgtext') { svgtext($ARGV[0]); }
else { die "usage: doclint.pl paths|source-paths|sdm|functions|targets T|config|links|logs|code|claims F|svgtext F\n"; }
