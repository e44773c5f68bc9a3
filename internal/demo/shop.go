package demo

// The demo shop's assortment: top-level categories, their subcategories
// with the products each sells and their price range, the categories
// shoppers of one kind buy from (personas), and which subcategories go
// together in a basket. Product names are made from these, so a product
// always sits in the category its name says.

// subcategory is one shelf: what it sells and at what prices (EUR).
type subcategory struct {
	name     string
	nouns    []string
	low, top float64
}

// category is a top-level category with its shelves and the adjectives
// that suit its products.
type category struct {
	name  string
	subs  []subcategory
	adjs  []string
	glyph string // the picture's symbol, see picture.go
}

var general = []string{"Classic", "Essential", "Everyday", "Signature", "Premium", "Compact"}

// categories are the shop's categories. The last two are special-category
// data (SensitiveCategories).
var categories = []category{
	{"kitchen", []subcategory{
		{"cookware", []string{"Skillet", "Saucepan", "Stock Pot", "Wok", "Casserole Dish"}, 25, 140},
		{"knives", []string{"Chef Knife", "Paring Knife", "Bread Knife", "Knife Block", "Sharpening Steel"}, 15, 160},
		{"baking", []string{"Baking Tray", "Cake Tin", "Mixing Bowl", "Rolling Pin", "Cooling Rack"}, 8, 45},
		{"tableware", []string{"Dinner Plate Set", "Pasta Bowl Set", "Stoneware Mug", "Serving Platter", "Cutlery Set"}, 12, 90},
	}, general, "pan"},
	{"garden", []subcategory{
		{"tools", []string{"Trowel", "Pruning Shears", "Garden Fork", "Watering Can", "Hose Reel"}, 10, 70},
		{"seeds", []string{"Tomato Seeds", "Wildflower Seeds", "Herb Seed Kit", "Sunflower Seeds", "Lettuce Seeds"}, 3, 15},
		{"planters", []string{"Terracotta Planter", "Window Box", "Hanging Basket", "Raised Bed", "Plant Pot Set"}, 12, 120},
		{"furniture", []string{"Garden Chair", "Bistro Table", "Sun Lounger", "Garden Bench", "Parasol"}, 45, 320},
	}, []string{"Classic", "Hardy", "Everyday", "Heritage", "Compact", "Weatherproof"}, "leaf"},
	{"books", []subcategory{
		{"fiction", []string{"Novel", "Short Story Collection", "Mystery Novel", "Historical Novel", "Poetry Collection"}, 9, 25},
		{"cooking", []string{"Cookbook", "Baking Book", "Vegetarian Cookbook", "Bread Book", "Pasta Cookbook"}, 15, 40},
		{"travel", []string{"Travel Guide", "Road Atlas", "City Guide", "Hiking Guide", "Phrasebook"}, 10, 30},
		{"children", []string{"Picture Book", "Bedtime Stories", "First Words Book", "Activity Book", "Fairy Tales"}, 6, 20},
	}, []string{"Illustrated", "Pocket", "Hardback", "Bestselling", "Collected", "New"}, "book"},
	{"music", []subcategory{
		{"vinyl", []string{"Jazz LP", "Soul LP", "Classical LP", "Record Cleaning Kit", "Record Sleeves"}, 12, 40},
		{"instruments", []string{"Ukulele", "Acoustic Guitar", "Keyboard", "Cajon", "Harmonica"}, 20, 400},
		{"audio", []string{"Headphones", "Bluetooth Speaker", "Turntable", "Earbuds", "Soundbar"}, 30, 350},
		{"sheet", []string{"Songbook", "Piano Sheet Music", "Guitar Chord Book", "Music Stand", "Metronome"}, 8, 45},
	}, []string{"Classic", "Studio", "Compact", "Signature", "Vintage", "Pro"}, "note"},
	{"outdoor", []subcategory{
		{"camping", []string{"Tent", "Sleeping Bag", "Camping Stove", "Sleeping Mat", "Lantern"}, 20, 380},
		{"hiking", []string{"Backpack", "Trekking Poles", "Hiking Boots", "Rain Jacket", "Water Filter"}, 20, 220},
		{"climbing", []string{"Climbing Harness", "Chalk Bag", "Climbing Shoes", "Belay Device", "Carabiner Set"}, 12, 160},
		{"cycling", []string{"Bike Light Set", "Cycling Helmet", "Bike Lock", "Saddle Bag", "Bike Pump"}, 15, 130},
	}, []string{"Trail", "Alpine", "Lightweight", "Expedition", "Everyday", "Summit"}, "tent"},
	{"fashion", []subcategory{
		{"shirts", []string{"Oxford Shirt", "Linen Shirt", "Flannel Shirt", "Polo Shirt", "Denim Shirt"}, 25, 90},
		{"trousers", []string{"Chinos", "Slim Jeans", "Linen Trousers", "Cargo Trousers", "Corduroy Trousers"}, 35, 120},
		{"shoes", []string{"Sneakers", "Loafers", "Chelsea Boots", "Derby Shoes", "Canvas Shoes"}, 45, 190},
		{"accessories", []string{"Leather Belt", "Wool Scarf", "Beanie", "Leather Wallet", "Sunglasses"}, 15, 120},
	}, []string{"Classic", "Slim-Fit", "Relaxed", "Tailored", "Everyday", "Heritage"}, "shirt"},
	{"beauty", []subcategory{
		{"skincare", []string{"Face Cream", "Serum", "Cleanser", "Sunscreen", "Eye Cream"}, 10, 80},
		{"haircare", []string{"Shampoo", "Conditioner", "Hair Oil", "Hair Mask", "Hairbrush"}, 6, 45},
		{"fragrance", []string{"Eau de Parfum", "Eau de Toilette", "Body Mist", "Scented Candle", "Perfume Oil"}, 18, 120},
		{"makeup", []string{"Lipstick", "Mascara", "Foundation", "Eyeshadow Palette", "Blusher"}, 9, 55},
	}, []string{"Radiant", "Gentle", "Hydrating", "Signature", "Everyday", "Luxe"}, "bottle"},
	{"toys", []subcategory{
		{"puzzles", []string{"Jigsaw Puzzle", "3D Puzzle", "Floor Puzzle", "Brain Teaser Set", "Wooden Puzzle"}, 8, 40},
		{"building", []string{"Brick Set", "Marble Run", "Magnetic Tiles", "Wooden Blocks", "Construction Kit"}, 15, 90},
		{"plush", []string{"Teddy Bear", "Plush Rabbit", "Plush Dinosaur", "Hand Puppet", "Plush Elephant"}, 10, 40},
		{"games", []string{"Board Game", "Card Game", "Dominoes", "Memory Game", "Marble Game"}, 10, 50},
	}, []string{"Classic", "Giant", "Mini", "Family", "Wooden", "Deluxe"}, "star"},
	{"electronics", []subcategory{
		{"phones", []string{"Phone Case", "Screen Protector", "Phone Charger", "Power Bank", "Wireless Charger"}, 10, 70},
		{"computers", []string{"Laptop Stand", "Wireless Mouse", "Mechanical Keyboard", "USB-C Hub", "Webcam"}, 20, 150},
		{"cameras", []string{"Camera Lens", "Tripod", "Camera Bag", "Memory Card", "Camera Strap"}, 15, 450},
		{"wearables", []string{"Smartwatch", "Fitness Tracker", "Watch Strap", "Smart Ring", "Sport Earbuds"}, 20, 300},
	}, []string{"Pro", "Compact", "Ultra", "Essential", "Smart", "Travel"}, "screen"},
	{"home", []subcategory{
		{"lighting", []string{"Table Lamp", "Floor Lamp", "Pendant Light", "Fairy Lights", "Reading Light"}, 15, 180},
		{"textiles", []string{"Throw Blanket", "Cushion Cover", "Duvet Set", "Curtains", "Rug"}, 15, 200},
		{"decor", []string{"Vase", "Wall Mirror", "Photo Frame", "Wall Clock", "Candle Holder"}, 10, 120},
		{"storage", []string{"Storage Box", "Laundry Basket", "Shelf Unit", "Coat Rack", "Drawer Organiser"}, 10, 150},
	}, general, "house"},
	{"pets", []subcategory{
		{"dogs", []string{"Dog Lead", "Dog Bed", "Chew Toy", "Dog Bowl", "Dog Coat"}, 8, 90},
		{"cats", []string{"Cat Tree", "Scratching Post", "Cat Bed", "Cat Toy Set", "Litter Tray"}, 8, 120},
		{"fish", []string{"Aquarium", "Aquarium Filter", "Fish Food", "Aquarium Heater", "Aquarium Plants"}, 5, 180},
		{"birds", []string{"Bird Feeder", "Bird Cage", "Bird Seed Mix", "Nest Box", "Bird Bath"}, 6, 110},
	}, []string{"Cosy", "Sturdy", "Everyday", "Deluxe", "Compact", "Natural"}, "paw"},
	{"sports", []subcategory{
		{"running", []string{"Running Shoes", "Running Jacket", "Running Belt", "Running Socks", "Running Cap"}, 10, 160},
		{"yoga", []string{"Yoga Mat", "Yoga Block", "Yoga Strap", "Meditation Cushion", "Yoga Leggings"}, 8, 80},
		{"fitness", []string{"Kettlebell", "Dumbbell Set", "Resistance Bands", "Skipping Rope", "Exercise Mat"}, 8, 150},
		{"team", []string{"Football", "Basketball", "Shin Guards", "Goalkeeper Gloves", "Training Cones"}, 8, 60},
	}, []string{"Pro", "Training", "Everyday", "Performance", "Lightweight", "Club"}, "ball"},
	{"office", []subcategory{
		{"paper", []string{"Notebook", "Sketch Pad", "Sticky Notes", "Weekly Planner", "Letter Paper"}, 3, 25},
		{"pens", []string{"Fountain Pen", "Ballpoint Pen Set", "Highlighters", "Pencil Set", "Ink Cartridges"}, 4, 90},
		{"desks", []string{"Desk Lamp", "Monitor Stand", "Desk Mat", "Desk Organiser", "Footrest"}, 15, 120},
		{"organisers", []string{"Document Folder", "Magazine File", "Label Maker", "Stapler", "Filing Box"}, 5, 60},
	}, []string{"Classic", "Executive", "Compact", "Everyday", "Studio", "Essential"}, "pencil"},
	{"food", []subcategory{
		{"coffee", []string{"Coffee Beans", "Ground Coffee", "Espresso Beans", "Coffee Filters", "Cold Brew Coffee"}, 5, 25},
		{"tea", []string{"Green Tea", "Earl Grey Tea", "Herbal Tea", "Chai Tea", "Loose Leaf Tea"}, 4, 20},
		{"snacks", []string{"Granola", "Dark Chocolate", "Salted Almonds", "Oat Biscuits", "Dried Mango"}, 3, 12},
		{"pantry", []string{"Olive Oil", "Balsamic Vinegar", "Dried Pasta", "Sea Salt", "Spice Set"}, 3, 30},
	}, []string{"Organic", "Artisan", "Single-Origin", "Everyday", "Fine", "Fair-Trade"}, "cup"},
	{"wine", []subcategory{
		{"red", []string{"Rioja", "Merlot", "Pinot Noir", "Malbec", "Chianti"}, 8, 45},
		{"white", []string{"Riesling", "Sauvignon Blanc", "Chardonnay", "Pinot Grigio", "Albariño"}, 8, 40},
		{"sparkling", []string{"Cava", "Prosecco", "Crémant", "Champagne", "Sparkling Rosé"}, 10, 60},
		{"accessories", []string{"Corkscrew", "Decanter", "Wine Glasses", "Wine Cooler", "Bottle Stopper Set"}, 8, 80},
	}, []string{"Reserve", "Classic", "Estate", "Vintage", "Select", "House"}, "glass"},
	{"diy", []subcategory{
		{"power-tools", []string{"Cordless Drill", "Orbital Sander", "Jigsaw", "Impact Driver", "Heat Gun"}, 40, 220},
		{"hand-tools", []string{"Screwdriver Set", "Claw Hammer", "Spirit Level", "Tape Measure", "Socket Set"}, 8, 70},
		{"paint", []string{"Wall Paint", "Paint Roller Set", "Paintbrush Set", "Masking Tape", "Wood Stain"}, 5, 60},
		{"hardware", []string{"Hinge Set", "Wall Plugs", "Screw Assortment", "Cabinet Handles", "Shelf Brackets"}, 3, 30},
	}, []string{"Pro", "Heavy-Duty", "Compact", "Essential", "Trade", "Everyday"}, "wrench"},
	{"automotive", []subcategory{
		{"care", []string{"Car Wax", "Car Shampoo", "Microfibre Cloths", "Glass Cleaner", "Tyre Shine"}, 5, 35},
		{"accessories", []string{"Seat Covers", "Car Floor Mats", "Boot Organiser", "Sunshade", "Steering Wheel Cover"}, 10, 80},
		{"tools", []string{"Tyre Pressure Gauge", "Jump Starter", "Tow Rope", "Tyre Inflator", "Socket Wrench"}, 8, 120},
		{"electronics", []string{"Dash Cam", "Phone Mount", "Car Charger", "Parking Sensor", "Car Vacuum"}, 12, 160},
	}, []string{"Pro", "Essential", "Compact", "Road", "Premium", "Everyday"}, "wheel"},
	{"baby-gear", []subcategory{
		{"strollers", []string{"Stroller", "Pram", "Buggy Rain Cover", "Stroller Organiser", "Footmuff"}, 20, 450},
		{"feeding", []string{"Bottle Set", "High Chair", "Bib Set", "Weaning Spoons", "Sippy Cup"}, 6, 150},
		{"nursery", []string{"Cot Mobile", "Baby Monitor", "Night Light", "Changing Mat", "Cot Sheets"}, 10, 180},
		{"bath", []string{"Baby Bath", "Hooded Towel", "Bath Thermometer", "Baby Wash", "Bath Toys"}, 5, 45},
	}, []string{"Gentle", "Cosy", "Little", "Everyday", "Soft", "Classic"}, "pram"},
	{"art", []subcategory{
		{"painting", []string{"Watercolour Set", "Acrylic Paint Set", "Canvas Panels", "Oil Paint Set", "Palette"}, 8, 80},
		{"drawing", []string{"Sketchbook", "Graphite Pencils", "Charcoal Set", "Pastel Set", "Fineliner Set"}, 5, 45},
		{"crafts", []string{"Craft Kit", "Embroidery Kit", "Knitting Set", "Clay Kit", "Origami Paper"}, 8, 50},
		{"frames", []string{"Picture Frame", "Box Frame", "Poster Frame", "Frame Set", "Mount Board"}, 8, 70},
	}, []string{"Artist", "Studio", "Beginner's", "Deluxe", "Classic", "Travel"}, "palette"},
	{"travel", []subcategory{
		{"luggage", []string{"Cabin Suitcase", "Large Suitcase", "Luggage Tag Set", "Luggage Scale", "Suitcase Cover"}, 8, 260},
		{"bags", []string{"Weekender Bag", "Travel Backpack", "Duffel Bag", "Crossbody Bag", "Tote Bag"}, 20, 150},
		{"organisers", []string{"Packing Cubes", "Toiletry Bag", "Passport Wallet", "Cable Organiser", "Shoe Bags"}, 8, 40},
		{"comfort", []string{"Neck Pillow", "Eye Mask", "Travel Blanket", "Travel Adapter", "Compression Socks"}, 6, 40},
	}, []string{"Voyager", "Lightweight", "Compact", "Globe", "Everyday", "Classic"}, "suitcase"},
	{"games", []subcategory{
		{"console", []string{"Game Controller", "Charging Dock", "Console Headset", "Controller Grips", "Console Stand"}, 15, 80},
		{"pc", []string{"Gaming Mouse", "Gaming Keyboard", "Mouse Pad", "Gaming Headset", "Stream Microphone"}, 15, 160},
		{"tabletop", []string{"Dice Set", "Strategy Game", "Miniature Paints", "Card Sleeves", "Game Mat"}, 8, 70},
		{"retro", []string{"Retro Console", "Arcade Stick", "Retro Controller", "Cartridge Case", "Pixel Art Lamp"}, 15, 120},
	}, []string{"Pro", "Elite", "Classic", "Retro", "Tournament", "Compact"}, "controller"},
	{"jewellery", []subcategory{
		{"rings", []string{"Silver Ring", "Gold Ring", "Stacking Rings", "Signet Ring", "Gemstone Ring"}, 25, 300},
		{"necklaces", []string{"Pendant Necklace", "Chain Necklace", "Locket", "Pearl Necklace", "Choker"}, 25, 280},
		{"watches", []string{"Wristwatch", "Leather Watch Strap", "Pocket Watch", "Watch Box", "Dress Watch"}, 30, 400},
		{"earrings", []string{"Stud Earrings", "Hoop Earrings", "Drop Earrings", "Ear Cuffs", "Pearl Earrings"}, 20, 200},
	}, []string{"Classic", "Delicate", "Heritage", "Signature", "Minimal", "Sterling"}, "gem"},
	{"health", []subcategory{
		{"supplements", []string{"Vitamin D", "Magnesium", "Omega-3", "Multivitamin", "Probiotic"}, 6, 35},
		{"first-aid", []string{"First Aid Kit", "Plasters", "Bandage Set", "Antiseptic Spray", "Cold Pack"}, 4, 40},
		{"monitoring", []string{"Blood Pressure Monitor", "Thermometer", "Pulse Oximeter", "Bathroom Scale", "Pill Organiser"}, 8, 90},
		{"mobility", []string{"Walking Stick", "Knee Support", "Back Support", "Grab Rail", "Foot Massager"}, 12, 120},
	}, []string{"Everyday", "Daily", "Essential", "Gentle", "Family", "Compact"}, "cross"},
	{"maternity", []subcategory{
		{"clothing", []string{"Maternity Jeans", "Maternity Dress", "Maternity Leggings", "Maternity Top", "Support Belt"}, 20, 90},
		{"care", []string{"Belly Balm", "Stretch Mark Oil", "Pregnancy Pillow", "Bath Soak", "Foot Cream"}, 8, 60},
		{"nursing", []string{"Nursing Pillow", "Nursing Bra", "Breast Pump", "Nursing Cover", "Breast Pads"}, 8, 160},
		{"tests", []string{"Pregnancy Test", "Ovulation Test", "Fertility Monitor", "Digital Pregnancy Test", "Test Strips"}, 6, 90},
	}, []string{"Gentle", "Soft", "Everyday", "Comfort", "Natural", "Classic"}, "heart"},
}

// personas are kinds of shopper: the top-level categories one shopper
// buys from together. A customer's tastes come from one persona (now and
// then a second), so that what customers buy together makes sense.
var personas = [][]string{
	{"kitchen", "food", "wine", "books", "home"},
	{"outdoor", "sports", "travel", "electronics"},
	{"baby-gear", "toys", "books", "home", "maternity"},
	{"electronics", "games", "office", "music"},
	{"fashion", "beauty", "jewellery", "travel"},
	{"diy", "garden", "home", "automotive"},
	{"art", "books", "office", "music"},
	{"pets", "home", "garden", "outdoor"},
	{"sports", "health", "food", "fashion"},
}

// goesWith lists shelves whose products are bought together, as
// "category/subcategory" pairs; a pair works both ways and every shelf also
// goes with itself. Companions (what is bought after an item) come from
// these.
var goesWith = [][2]string{
	{"kitchen/cookware", "kitchen/knives"}, {"kitchen/cookware", "food/pantry"}, {"kitchen/cookware", "books/cooking"},
	{"kitchen/baking", "books/cooking"}, {"kitchen/baking", "food/snacks"}, {"kitchen/tableware", "wine/accessories"},
	{"kitchen/tableware", "home/decor"}, {"kitchen/knives", "food/pantry"},
	{"garden/tools", "garden/seeds"}, {"garden/planters", "garden/seeds"}, {"garden/furniture", "home/textiles"}, {"garden/tools", "diy/hand-tools"},
	{"books/fiction", "home/lighting"}, {"books/travel", "travel/organisers"}, {"books/children", "toys/plush"}, {"books/children", "baby-gear/nursery"},
	{"music/vinyl", "music/audio"}, {"music/instruments", "music/sheet"}, {"music/audio", "electronics/phones"},
	{"outdoor/camping", "outdoor/hiking"}, {"outdoor/hiking", "travel/bags"}, {"outdoor/climbing", "outdoor/hiking"}, {"outdoor/cycling", "sports/running"},
	{"fashion/shirts", "fashion/trousers"}, {"fashion/trousers", "fashion/shoes"}, {"fashion/accessories", "fashion/shirts"}, {"fashion/accessories", "jewellery/watches"},
	{"beauty/skincare", "beauty/makeup"}, {"beauty/haircare", "beauty/skincare"}, {"beauty/fragrance", "beauty/makeup"}, {"beauty/fragrance", "jewellery/earrings"},
	{"toys/puzzles", "toys/games"}, {"toys/building", "toys/puzzles"}, {"toys/plush", "baby-gear/nursery"},
	{"electronics/phones", "electronics/wearables"}, {"electronics/computers", "office/desks"}, {"electronics/cameras", "travel/bags"}, {"electronics/computers", "games/pc"},
	{"home/lighting", "home/decor"}, {"home/textiles", "home/storage"}, {"home/decor", "art/frames"},
	{"pets/dogs", "pets/cats"}, {"pets/birds", "garden/planters"}, {"pets/fish", "home/decor"},
	{"sports/running", "electronics/wearables"}, {"sports/yoga", "sports/fitness"}, {"sports/fitness", "health/supplements"}, {"sports/team", "sports/running"},
	{"office/paper", "office/pens"}, {"office/desks", "office/organisers"}, {"office/pens", "art/drawing"},
	{"food/coffee", "food/snacks"}, {"food/tea", "food/snacks"}, {"food/coffee", "kitchen/tableware"}, {"food/pantry", "wine/red"},
	{"wine/red", "wine/accessories"}, {"wine/white", "wine/accessories"}, {"wine/sparkling", "wine/accessories"}, {"wine/red", "food/snacks"},
	{"diy/power-tools", "diy/hardware"}, {"diy/paint", "diy/hand-tools"}, {"diy/hand-tools", "diy/hardware"},
	{"automotive/care", "automotive/accessories"}, {"automotive/tools", "automotive/electronics"}, {"automotive/electronics", "electronics/phones"},
	{"baby-gear/strollers", "baby-gear/feeding"}, {"baby-gear/feeding", "baby-gear/bath"}, {"baby-gear/nursery", "baby-gear/bath"},
	{"art/painting", "art/drawing"}, {"art/crafts", "art/painting"}, {"art/frames", "art/painting"},
	{"travel/luggage", "travel/organisers"}, {"travel/comfort", "travel/luggage"}, {"travel/bags", "travel/organisers"},
	{"games/console", "games/retro"}, {"games/tabletop", "toys/games"}, {"games/pc", "office/desks"},
	{"jewellery/rings", "jewellery/earrings"}, {"jewellery/necklaces", "jewellery/earrings"}, {"jewellery/watches", "jewellery/rings"},
	{"health/supplements", "health/monitoring"}, {"health/first-aid", "health/mobility"}, {"health/first-aid", "outdoor/hiking"},
	{"maternity/clothing", "maternity/care"}, {"maternity/nursing", "baby-gear/feeding"}, {"maternity/tests", "health/supplements"},
}
