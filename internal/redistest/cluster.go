package redistest

import (
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ClusterNodeTimeout is the cluster-node-timeout of the clusters this
// package starts: how long a master may be unreachable before its replica
// takes over. Short, so that a test of a killed master takes a few seconds.
const ClusterNodeTimeout = time.Second

// Cluster is a running Redis Cluster on loopback ports.
type Cluster struct {
	// Nodes are all the cluster's servers, masters and replicas; which is
	// which changes with a failover (see Masters and ReplicaOf).
	Nodes []*Server
}

// StartCluster runs a cluster of masters masters with replicas replicas each
// (see LaunchCluster) and removes it when t ends.
func StartCluster(t testing.TB, masters, replicas int) *Cluster {
	t.Helper()
	Need(t)
	c, err := LaunchCluster(masters, replicas)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// LaunchCluster starts masters*(1+replicas) redis-server processes with
// cluster mode on and persistence off, joins them with redis-cli --cluster
// create (which spreads the 16384 slots over the masters and gives each its
// replicas), and waits until every node reports the cluster healthy and
// every replica is in sync. The caller must Close it. It needs at least three
// masters, as Redis Cluster does.
func LaunchCluster(masters, replicas int) (*Cluster, error) {
	if masters < 3 || replicas < 0 {
		return nil, fmt.Errorf("LaunchCluster(%d, %d): want at least 3 masters and no negative replicas", masters, replicas)
	}
	if err := Available(); err != nil {
		return nil, err
	}
	bin, _ := exec.LookPath("redis-server")
	cli, _ := exec.LookPath("redis-cli")
	c := &Cluster{}
	for range masters * (1 + replicas) {
		bus, err := freePort()
		if err != nil {
			c.Close()
			return nil, err
		}
		s, err := launch(bin, Config{Args: []string{
			"--cluster-enabled", "yes",
			"--cluster-config-file", "nodes.conf",
			"--cluster-port", strconv.Itoa(bus),
			"--cluster-node-timeout", strconv.Itoa(int(ClusterNodeTimeout / time.Millisecond)),
			// A replica syncs at once instead of waiting for more replicas
			// to share a diskless transfer (5 s by default).
			"--repl-diskless-sync-delay", "0",
		}})
		if err != nil {
			c.Close()
			return nil, err
		}
		c.Nodes = append(c.Nodes, s)
	}
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", strconv.Itoa(replicas), "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		c.Close()
		return nil, fmt.Errorf("redis-cli --cluster create: %w\n%s", err, out)
	}
	if err := c.WaitHealthy(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Addrs returns the address of every node.
func (c *Cluster) Addrs() []string {
	addrs := make([]string, len(c.Nodes))
	for i, s := range c.Nodes {
		addrs[i] = s.Addr
	}
	return addrs
}

// Close kills every node and removes their directories.
func (c *Cluster) Close() {
	for _, s := range c.Nodes {
		s.Close()
	}
}

// Node returns the node at addr, or nil.
func (c *Cluster) Node(addr string) *Server {
	for _, s := range c.Nodes {
		if s.Addr == addr {
			return s
		}
	}
	return nil
}

// node is one line of CLUSTER NODES.
type node struct {
	id, addr, masterID string
	master, failed     bool
	slots              bool // serves at least one slot
}

// nodes asks addr for its view of the cluster.
func nodes(addr string) ([]node, error) {
	out, err := Command(addr, time.Second, "CLUSTER", "NODES")
	if err != nil {
		return nil, err
	}
	var ns []node
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) < 8 {
			continue
		}
		n := node{id: f[0], masterID: f[3], slots: len(f) > 8}
		// "127.0.0.1:port@bus" (Redis 7 may add ",hostname").
		n.addr, _, _ = strings.Cut(f[1], "@")
		for flag := range strings.SplitSeq(f[2], ",") {
			switch flag {
			case "master":
				n.master = true
			case "fail", "fail?":
				n.failed = true
			}
		}
		ns = append(ns, n)
	}
	if len(ns) == 0 {
		return nil, errors.New("CLUSTER NODES is empty")
	}
	return ns, nil
}

// Masters returns the addresses of the masters that serve slots, as the
// first live node sees the cluster.
func (c *Cluster) Masters() ([]string, error) {
	ns, err := c.view()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range ns {
		if n.master && n.slots && !n.failed {
			out = append(out, n.addr)
		}
	}
	return out, nil
}

// ReplicaOf returns the address of a live replica of the master at addr.
func (c *Cluster) ReplicaOf(master string) (string, error) {
	ns, err := c.view()
	if err != nil {
		return "", err
	}
	var id string
	for _, n := range ns {
		if n.addr == master {
			id = n.id
		}
	}
	for _, n := range ns {
		if id != "" && n.masterID == id && !n.failed {
			return n.addr, nil
		}
	}
	return "", fmt.Errorf("no live replica of %s", master)
}

// waitReplicaOf is ReplicaOf, polled under the hang guard: on a loaded
// machine the node asked may not have learnt of a replica by gossip yet.
func (c *Cluster) waitReplicaOf(master string) (string, error) {
	deadline := time.Now().Add(Guard())
	for {
		replica, err := c.ReplicaOf(master)
		if err == nil || time.Now().After(deadline) {
			return replica, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// view returns CLUSTER NODES from the first node that answers.
func (c *Cluster) view() ([]node, error) {
	var last error
	for _, s := range c.Nodes {
		if !s.running() {
			continue
		}
		ns, err := nodes(s.Addr)
		if err == nil {
			return ns, nil
		}
		last = err
	}
	return nil, fmt.Errorf("no node answered CLUSTER NODES: %v", last)
}

// WaitHealthy waits (up to Guard) until every running node reports
// cluster_state:ok and sees every other running node, no running node is
// flagged failed, and every running replica's link to its master is up and
// caught up with it.
func (c *Cluster) WaitHealthy() error {
	deadline := time.Now().Add(Guard())
	for {
		err := c.healthy()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cluster not healthy within %v: %w", Guard(), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *Cluster) healthy() error {
	running := map[string]bool{}
	for _, s := range c.Nodes {
		if s.running() {
			running[s.Addr] = true
		}
	}
	for _, s := range c.Nodes {
		if !running[s.Addr] {
			continue
		}
		info, err := Command(s.Addr, time.Second, "CLUSTER", "INFO")
		if err != nil {
			return fmt.Errorf("%s: CLUSTER INFO: %w", s.Addr, err)
		}
		if !strings.Contains(info, "cluster_state:ok") {
			return fmt.Errorf("%s: cluster_state not ok", s.Addr)
		}
		ns, err := nodes(s.Addr)
		if err != nil {
			return fmt.Errorf("%s: %w", s.Addr, err)
		}
		seen := 0
		for _, n := range ns {
			if !running[n.addr] {
				continue
			}
			seen++
			if n.failed {
				return fmt.Errorf("%s sees %s as failed", s.Addr, n.addr)
			}
		}
		if seen != len(running) {
			return fmt.Errorf("%s sees %d of %d running nodes", s.Addr, seen, len(running))
		}
		if err := inSync(s.Addr); err != nil {
			return err
		}
	}
	return nil
}

// inSync checks that the node at addr, if it is a replica, is linked to its
// master and has everything the master has sent. A master is in sync.
func inSync(addr string) error {
	info, err := Command(addr, time.Second, "INFO", "replication")
	if err != nil {
		return fmt.Errorf("%s: INFO replication: %w", addr, err)
	}
	fields := infoFields(info)
	if fields["role"] != "slave" {
		return nil
	}
	if fields["master_link_status"] != "up" {
		return fmt.Errorf("replica %s: master link %q", addr, fields["master_link_status"])
	}
	master := fields["master_host"] + ":" + fields["master_port"]
	minfo, err := Command(master, time.Second, "INFO", "replication")
	if err != nil {
		return fmt.Errorf("master %s of %s: INFO replication: %w", master, addr, err)
	}
	if got, want := fields["slave_repl_offset"], infoFields(minfo)["master_repl_offset"]; got != want {
		return fmt.Errorf("replica %s at offset %s, master %s at %s", addr, got, master, want)
	}
	return nil
}

func infoFields(info string) map[string]string {
	m := map[string]string{}
	for line := range strings.Lines(info) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok {
			m[k] = v
		}
	}
	return m
}

// Failover promotes a replica of the master at addr with CLUSTER FAILOVER
// (a manual failover: the master stops taking writes, the replica catches up
// with it, then takes over, so nothing acknowledged is lost) and waits until
// the cluster is healthy again. It returns the new master's address.
func (c *Cluster) Failover(master string) (string, error) {
	replica, err := c.waitReplicaOf(master)
	if err != nil {
		return "", err
	}
	if _, err := Command(replica, time.Second, "CLUSTER", "FAILOVER"); err != nil {
		return "", fmt.Errorf("CLUSTER FAILOVER on %s: %w", replica, err)
	}
	if err := c.waitMaster(replica); err != nil {
		return "", err
	}
	return replica, c.WaitHealthy()
}

// KillMaster kills the master at addr (SIGKILL, as in a crash), waits until
// the cluster has promoted one of its replicas and is healthy without it,
// and returns the new master's address. Restart the killed node with
// [Cluster.Rejoin].
func (c *Cluster) KillMaster(master string) (string, error) {
	replica, err := c.waitReplicaOf(master)
	if err != nil {
		return "", err
	}
	s := c.Node(master)
	if s == nil {
		return "", fmt.Errorf("%s is not a node of this cluster", master)
	}
	s.Stop()
	if err := c.waitMaster(replica); err != nil {
		return "", err
	}
	return replica, c.WaitHealthy()
}

// Rejoin restarts a node killed by KillMaster; it rejoins as a replica of the
// master that replaced it. Rejoin waits until the cluster is healthy.
func (c *Cluster) Rejoin(addr string) error {
	s := c.Node(addr)
	if s == nil {
		return fmt.Errorf("%s is not a node of this cluster", addr)
	}
	if err := s.Restart(); err != nil {
		return err
	}
	return c.WaitHealthy()
}

// waitMaster waits until the node at addr reports itself a master.
func (c *Cluster) waitMaster(addr string) error {
	deadline := time.Now().Add(Guard())
	for {
		info, err := Command(addr, time.Second, "INFO", "replication")
		if err == nil && infoFields(info)["role"] == "master" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not promoted within %v (last error %v)", addr, Guard(), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
