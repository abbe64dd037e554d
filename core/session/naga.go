package session

import (
	"github.com/litgo/litsession/core/jsjson"
	"github.com/litgo/litsession/core/resource"
)

// NagaSIWEStatement is the statement of the wallet's SIWE message on naga,
// before the ReCap sentence: v8's createSiweMessageWithResources writes
// the auth config's statement, empty by default, so the message's
// statement line starts with a space and the ReCap sentence.
const NagaSIWEStatement = ""

// nagaRequestJSON writes a resource request in the member order of the
// official v8 client, whose schema parse puts the resource's members in
// the order {"resourcePrefix","resource"}:
//
//	{"resource":{"resourcePrefix":"lit-pkp","resource":"*"},"ability":"…"[,"data":{…}]}
//
// v7 writes {"resource","resourcePrefix"} (resource.Request.JSON). Nodes
// parse either, but the signed bytes differ.
func nagaRequestJSON(q resource.Request) ([]byte, error) {
	var r jsjson.Object
	r.String("resourcePrefix", string(q.Resource.Prefix))
	r.String("resource", q.Resource.ID)
	rb, err := r.Bytes()
	if err != nil {
		return nil, err
	}
	var o jsjson.Object
	o.Raw("resource", rb)
	o.String("ability", string(q.Ability))
	if len(q.Data) > 0 {
		o.Value("data", q.Data)
	}
	return o.Bytes()
}
