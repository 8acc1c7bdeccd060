#pragma once
// The explorer runs the cluster in its own process, beside its window. At full load the
// cluster's threads (nodes, their flushers, the client load) keep both cores of a small machine
// busy, and the GUI thread waited for a core about as long as it worked (Linux schedstat:
// 13 ms per frame, docs/BENCHMARKS.md "Explorer UI"). A process that draws may therefore ask
// for the cluster's threads (nodes, their flushers, the client load, the recording's writer) to
// run a few nice levels below the thread that asks; each of those threads applies it to itself
// as it starts. Never raises a thread's priority; Linux only (a
// no-op elsewhere). The default (nothing asked): the threads run as the process does.
namespace qlab {

// Cluster threads started from now on run `levels` nice levels (0..19) below the calling thread.
void setClusterThreadNiceBelowThisThread(int levels);
// The nice value asked for, or -100 when nothing was.
int clusterThreadNice();
// Called by each cluster thread as it starts: lowers its own priority to the asked nice value.
void applyClusterThreadNice();
// This thread's nice value (0 where there is none to read).
int thisThreadNice();

}  // namespace qlab
