// SPDX-License-Identifier: APACHE-2.0
//
// Added by localkube's e2e toolchain (toolchain/network-policy/) to
// sigs.k8s.io/kube-network-policies: kernels built without CONFIG_NFT_QUEUE (the
// e2e hosts) reject the native nftables `queue` expression ("Could not process
// rule: No such file or directory"), so the agent could not program any rule and
// enforced nothing. Such kernels usually still have nft_compat + xt_NFQUEUE
// (what `iptables-nft -j NFQUEUE` uses), which queues to the same nfnetlink_queue.
// queueVerdict probes once and falls back to that compat target.
// KNP_NFQUEUE_EXPR=nft|xt forces a variant.

package networkpolicy

import (
	"encoding/binary"
	"os"
	"sync"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/xt"
	"k8s.io/klog/v2"
)

var (
	useXTQueueOnce sync.Once
	useXTQueue     bool
)

// queueVerdict returns q itself when the kernel has nft_queue, else the equivalent
// xt NFQUEUE (revision 3) target.
func queueVerdict(q *expr.Queue) expr.Any {
	useXTQueueOnce.Do(func() {
		switch os.Getenv("KNP_NFQUEUE_EXPR") {
		case "nft":
			useXTQueue = false
		case "xt":
			useXTQueue = true
		default:
			useXTQueue = !nftQueueSupported()
		}
		klog.InfoS("nfqueue verdict expression", "xtNFQUEUE", useXTQueue)
	})
	if !useXTQueue {
		return q
	}
	// struct xt_NFQ_info_v3 { __u16 queuenum; __u16 queues_total; __u16 flags; },
	// host byte order, padded to XT_ALIGN (8 bytes).
	info := make(xt.Unknown, 8)
	binary.NativeEndian.PutUint16(info[0:], q.Num)
	binary.NativeEndian.PutUint16(info[2:], 1)
	var flags uint16
	if q.Flag&expr.QueueFlagBypass != 0 {
		flags |= 0x1 // NFQ_FLAG_BYPASS
	}
	binary.NativeEndian.PutUint16(info[4:], flags)
	return &expr.Target{Name: "NFQUEUE", Rev: 3, Info: &info}
}

// nftQueueSupported adds a throwaway table with a `queue` rule in one batch (atomic:
// nothing stays behind when the kernel rejects it) and removes it again.
func nftQueueSupported() bool {
	nft, err := nftables.New()
	if err != nil {
		klog.InfoS("nftables probe: cannot open netlink", "error", err)
		return true
	}
	table := &nftables.Table{Name: "kube-network-policies-probe", Family: nftables.TableFamilyINet}
	nft.AddTable(table)
	chain := nft.AddChain(&nftables.Chain{Name: "probe", Table: table})
	nft.AddRule(&nftables.Rule{Table: table, Chain: chain, Exprs: []expr.Any{
		&expr.Queue{Num: 65535, Flag: expr.QueueFlagBypass},
	}})
	if err := nft.Flush(); err != nil {
		klog.InfoS("kernel rejects the nftables queue expression, using xt NFQUEUE (nft_compat)", "error", err)
		return false
	}
	nft.DelTable(table)
	if err := nft.Flush(); err != nil {
		klog.InfoS("nftables probe: cannot delete probe table", "error", err)
	}
	return true
}
