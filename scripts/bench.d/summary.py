"""scripts/bench license's figures: reads the rounds ("round target rps
p50_ms p99_ms requests errors", one line each) on stdin and prints each
round, the medians of each target and license-check's ratios to both
yardsticks.  Never fails on a number: the aim is printed, met or not."""
import statistics
import sys

connections = sys.argv[1]
TARGETS = ("license-check", "bench-signed", "bench-unsigned")
rounds = {t: [] for t in TARGETS}
for line in sys.stdin:
    if not line.strip():
        continue
    r, t, *fig = line.split()
    rounds[t].append([float(x) for x in fig])

row = "{:<15} {:>9.0f} req/s   p50 {:>7.2f} ms   p99 {:>7.2f} ms   errors {:.0f}"
for i in range(len(rounds["license-check"])):
    print("round %d" % (i + 1))
    for t in TARGETS:
        f = rounds[t][i]
        print("  " + row.format(t, f[0], f[1], f[2], f[4]))

# The median of each figure over the rounds, errors summed.
med = {}
for t in TARGETS:
    cols = list(zip(*rounds[t]))
    med[t] = [statistics.median(c) for c in cols[:3]] + [sum(cols[3]), sum(cols[4])]
print("medians of %d rounds, %s connections" % (len(rounds["license-check"]), connections))
for t in TARGETS:
    print("  " + row.format(t, med[t][0], med[t][1], med[t][2], med[t][4]))

lic, sig, uns = med["license-check"], med["bench-signed"], med["bench-unsigned"]
tput, p99 = lic[0] / sig[0], lic[2] / sig[2]
print("license-check / bench-signed:   throughput {:.2f} (aim >= 1.00)   p99 {:.2f} "
      "(aim <= 1.20)   {}".format(tput, p99, "aim met" if tput >= 1.0 and p99 <= 1.2
                                   else "aim not met"))
print("license-check / bench-unsigned: throughput {:.2f}   p99 {:.2f}   (the ceiling)".format(
    lic[0] / uns[0], lic[2] / uns[2]))
if connections != "64":
    print("(the aim is at 64 connections; this run had %s)" % connections)
for t in TARGETS:
    if med[t][4] > 0:
        print("warning: %s answered %.0f of %.0f requests with an error (not 2xx/3xx, "
              "or a socket error): its figures are not a license answer's" % (
                  t, med[t][4], med[t][3]))
