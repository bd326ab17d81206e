package connectedbusiness

// Routes of CB's JSON webservice the client uses, relative to the base URL (docs/specs/cb-webservice.md).
// Each is PUT with a JSON body unless listed in the GET block. A trailing "/" is followed by path
// parameters (row caps, codes) where the route takes them.
const (
	routeSignIn          = "System/signin"
	routeSignOut         = "System/signout/"
	routeForceSignOut    = "System/forcesignout/"
	routeShippingMethods = "System/loadsystemshippingmethod/" // + rows
	routePaymentTerms    = "System/loadsystempaymentterm/"    // + rows
	routeSources         = "System/loadsystemsource/"         // + rows
	routeWebSites        = "System/ecommercesitelookup/"      // + rows

	routeCreateSalesOrder = "Transactions/createsalesorder/false/" // + session GUID
	routeOrderLookup      = "Transactions/orderlookup/"            // + rows
	routeLoadOrder        = "Transactions/loadorder"               // ?type=Order&sessionID=
	routeLoadPackItems    = "Transactions/loadpackitems/"
	routeShipmentLabels   = "Transactions/getshipmentlabelfilenamebytransactioncode/"
	routeShipmentLookup   = "Transactions/shipmentlookup/"
	// routeHoldOrder is assumed: the spec documents no call that sets IsOnHold (see HoldSalesOrder).
	routeHoldOrder = "Transactions/holdsalesorder/"

	routeCustomerLookup  = "Contacts/customerlookup/" // + rows
	routeCreateCustomer  = "Contacts/createcustomer/"
	routeCustomerClasses = "Contacts/getcustomerclasstemplatebycountry/"
	routeShipToClasses   = "Contacts/getshiptoclasstemplatebycountry/"
	routeShipToLookup    = "Contacts/shiptolookup/" // + rows
	routeCreateShipTo    = "Contacts/createshipto/"
	routeCountries       = "Contacts/countrycodelookup/" // + rows
	routeCarriers        = "Contacts/carrierlookup/"     // + rows
	routeServiceTypes    = "Contacts/servicetypelookup/" // + rows

	routeItemLookup    = "Products/ItemLookup/" // + rows
	routeItemDetails   = "Products/getitemdetails/"
	routeLocationStock = "Products/locationstocklookup/"
	routeGroupStock    = "Products/loadgrouplocationstock/"
	routeWarehouses    = "Products/getlocationlookup/" // + rows
)

// GET routes (no body).
const (
	routeLoadCustomer = "Contacts/loadcustomerbycode/" // + CustomerCode
	routeItemByUPC    = "Products/loaditembyupc"       // ?upcCode=…
)

// Row caps sent as the trailing segment of lookups (the values the public clients use).
const (
	capDefault   = 100
	capCarriers  = 30
	capCountries = 10000
	// capListItems is the cap ListItems asks for per narrowed lookup; a narrowed set that fills
	// it is split further. Assumption: CB honours caps this large (the clients send up to 10000).
	capListItems = 2000
)
