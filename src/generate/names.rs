//! Word lists for the synthetic exports: California county names (public
//! geography, so real), and invented people, charges and facilities.
//!
//! Every accented letter here is in Latin-1 (á é í ó ú ñ ü ç and their
//! capitals), so each name can be written in Windows-1252 as well as UTF-8.

/// The 58 California counties in alphabetical order; county `i` of a
/// generated set takes name `i`.
pub const CA_COUNTIES: [&str; 58] = [
    "Alameda",
    "Alpine",
    "Amador",
    "Butte",
    "Calaveras",
    "Colusa",
    "Contra Costa",
    "Del Norte",
    "El Dorado",
    "Fresno",
    "Glenn",
    "Humboldt",
    "Imperial",
    "Inyo",
    "Kern",
    "Kings",
    "Lake",
    "Lassen",
    "Los Angeles",
    "Madera",
    "Marin",
    "Mariposa",
    "Mendocino",
    "Merced",
    "Modoc",
    "Mono",
    "Monterey",
    "Napa",
    "Nevada",
    "Orange",
    "Placer",
    "Plumas",
    "Riverside",
    "Sacramento",
    "San Benito",
    "San Bernardino",
    "San Diego",
    "San Francisco",
    "San Joaquin",
    "San Luis Obispo",
    "San Mateo",
    "Santa Barbara",
    "Santa Clara",
    "Santa Cruz",
    "Shasta",
    "Sierra",
    "Siskiyou",
    "Solano",
    "Sonoma",
    "Stanislaus",
    "Sutter",
    "Tehama",
    "Trinity",
    "Tulare",
    "Tuolumne",
    "Ventura",
    "Yolo",
    "Yuba",
];

/// Population of each county of [`CA_COUNTIES`], in the same order: U.S.
/// Census Bureau, American Community Survey 2017-2021 5-year estimates,
/// table B01001 (sex by age), total population. `generate --sizes
/// population` splits the state's bookings by it, so that, as in the real
/// state, Los Angeles holds about a quarter of them.
pub const CA_POPULATION: [u32; 58] = [
    1673133,  // Alameda
    1344,     // Alpine
    40095,    // Amador
    217884,   // Butte
    45349,    // Calaveras
    21780,    // Colusa
    1161643,  // Contra Costa
    27655,    // Del Norte
    190568,   // El Dorado
    1003150,  // Fresno
    28675,    // Glenn
    137014,   // Humboldt
    180051,   // Imperial
    18804,    // Inyo
    905644,   // Kern
    151887,   // Kings
    67749,    // Lake
    32949,    // Lassen
    10019635, // Los Angeles
    156304,   // Madera
    262387,   // Marin
    17225,    // Mariposa
    91534,    // Mendocino
    279150,   // Merced
    8723,     // Modoc
    13291,    // Mono
    438953,   // Monterey
    138795,   // Napa
    102090,   // Nevada
    3182923,  // Orange
    400330,   // Placer
    19631,    // Plumas
    2409331,  // Riverside
    1571767,  // Sacramento
    63329,    // San Benito
    2171071,  // San Bernardino
    3296317,  // San Diego
    865933,   // San Francisco
    771406,   // San Joaquin
    282771,   // San Luis Obispo
    762488,   // San Mateo
    447651,   // Santa Barbara
    1932022,  // Santa Clara
    272138,   // Santa Cruz
    181935,   // Shasta
    3079,     // Sierra
    44151,    // Siskiyou
    451432,   // Solano
    492498,   // Sonoma
    550842,   // Stanislaus
    99080,    // Sutter
    65345,    // Tehama
    15818,    // Trinity
    470999,   // Tulare
    55243,    // Tuolumne
    845255,   // Ventura
    216703,   // Yolo
    80404,    // Yuba
];

pub const FIRST_NAMES_MALE: &[&str] = &[
    "José",
    "Juan",
    "Luis",
    "Carlos",
    "Jesús",
    "Miguel",
    "Jorge",
    "Alejandro",
    "Raúl",
    "Andrés",
    "Fernando",
    "Héctor",
    "Ramón",
    "Joaquín",
    "Martín",
    "Sebastián",
    "Iván",
    "Efraín",
    "Germán",
    "Julián",
    "Rubén",
    "Óscar",
    "Ángel",
    "Tomás",
    "Nicolás",
    "Francisco",
    "Pedro",
    "Eduardo",
    "Minh",
    "Tuan",
    "Duc",
    "Wei",
    "Jun",
    "Hiroshi",
    "Sung",
    "Ji-ho",
    "Rajesh",
    "Arjun",
    "Vikram",
    "Mohammed",
    "Ahmad",
    "Omar",
    "Tigran",
    "Aram",
    "Dmitri",
    "Olumide",
    "Kwame",
    "Mamadou",
    "Jean-François",
    "François",
    "Joël",
    "Noé",
    "Michael",
    "David",
    "James",
    "Robert",
    "Daniel",
    "Anthony",
    "Christopher",
    "Kevin",
    "Brandon",
    "Tyrone",
    "Marcus",
    "Dustin",
    "Cody",
    "Ryan",
    "Sione",
    "Malakai",
    "Rodrigo",
    "Ignacio",
    "Abraham",
    "Gonzalo",
];

pub const FIRST_NAMES_FEMALE: &[&str] = &[
    "María",
    "Ana",
    "Sofía",
    "Lucía",
    "Verónica",
    "Mónica",
    "Araceli",
    "Guadalupe",
    "Beatriz",
    "Inés",
    "Raquel",
    "Leticia",
    "Rocío",
    "Belén",
    "Marisol",
    "Dolores",
    "Itzel",
    "Xóchitl",
    "Linh",
    "Mai",
    "Thuy",
    "Mei",
    "Xiu",
    "Yuki",
    "Min-ji",
    "Priya",
    "Anjali",
    "Fatima",
    "Leila",
    "Ani",
    "Nadia",
    "Chiamaka",
    "Aïcha",
    "Zoë",
    "Chloé",
    "Jennifer",
    "Jessica",
    "Ashley",
    "Amanda",
    "Stephanie",
    "Brittany",
    "Tiffany",
    "Kayla",
    "Crystal",
    "Lupita",
    "Elena",
];

pub const LAST_NAMES: &[&str] = &[
    "García",
    "Hernández",
    "López",
    "Martínez",
    "González",
    "Rodríguez",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Flores",
    "Gómez",
    "Díaz",
    "Cruz",
    "Morales",
    "Gutiérrez",
    "Ortiz",
    "Chávez",
    "Ramos",
    "Ruiz",
    "Jiménez",
    "Vásquez",
    "Mendoza",
    "Castillo",
    "Álvarez",
    "Romero",
    "Núñez",
    "Peña",
    "Muñoz",
    "Ibáñez",
    "Zúñiga",
    "Quiñones",
    "Begoña",
    "Echeverría",
    "Villaseñor",
    "Avendaño",
    "Cervantes",
    "Ordóñez",
    "Domínguez",
    "Márquez",
    "Rosales",
    "Del Río",
    "De la Cruz",
    "Nguyen",
    "Tran",
    "Le",
    "Pham",
    "Huynh",
    "Vo",
    "Chen",
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Huang",
    "Kim",
    "Lee",
    "Park",
    "Choi",
    "Tanaka",
    "Yamamoto",
    "Santos",
    "Reyes",
    "Dela Cruz",
    "Bautista",
    "Patel",
    "Singh",
    "Sharma",
    "Khan",
    "Haddad",
    "Nasser",
    "Petrosyan",
    "Hakobyan",
    "Ivanov",
    "Okafor",
    "Mensah",
    "Diallo",
    "Müller",
    "Gonçalves",
    "Lefèvre",
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "White",
    "Harris",
    "O'Brien",
    "O'Neil",
    "Tuilagi",
    "Fifita",
    "Yazzie",
    "Begay",
];

pub const MIDDLE_NAMES: &[&str] = &[
    "A",
    "B",
    "C",
    "D",
    "E",
    "J",
    "L",
    "M",
    "R",
    "S",
    "T",
    "Antonio",
    "Luis",
    "Guadalupe",
    "Inés",
    "José",
    "María",
    "Van",
    "Thi",
    "Min",
    "Lee",
    "Ann",
    "Marie",
    "Ray",
];

/// Sex codes as jail systems commonly write them.
pub const SEXES: [&str; 2] = ["M", "F"];

/// Race codes in the style of California DOJ booking codes.
pub const RACES: &[(&str, u32)] = &[
    ("H", 40),
    ("W", 25),
    ("B", 12),
    ("A", 8),
    ("F", 3),
    ("V", 3),
    ("C", 2),
    ("O", 5),
    ("U", 2),
];

/// Facility names; some carry an embedded comma so the CSV writer must quote.
pub const FACILITIES: &[&str] = &[
    "MAIN JAIL",
    "NORTH ANNEX",
    "WOMEN'S FACILITY, BLDG B",
    "PRE-TRIAL DETENTION, INTAKE",
    "HONOR FARM",
];

/// Criminal charge descriptions; some carry commas.
pub const CHARGES: &[&str] = &[
    "PC 459 BURGLARY, SECOND DEGREE",
    "VC 23152(A) DUI ALCOHOL",
    "HS 11350(A) POSS CONTROLLED SUBSTANCE",
    "PC 273.5(A) INFLICT CORPORAL INJ SPOUSE/COHAB",
    "PC 1203.2 PROBATION VIOLATION",
    "PC 245(A)(1) ASSAULT W/DEADLY WEAPON, NOT FIREARM",
    "PC 666 PETTY THEFT W/PRIOR",
    "PC 148(A)(1) RESIST/OBSTRUCT/DELAY OFFICER",
    "VC 14601.1(A) DRIVING W/SUSPENDED LICENSE",
    "PC 211 ROBBERY",
    "VC 10851(A) TAKE VEHICLE W/O OWNER'S CONSENT",
    "PC 243(E)(1) BATTERY ON SPOUSE, EX-SPOUSE, DATE",
    "PC 602 TRESPASSING",
    "HS 11377(A) POSS METHAMPHETAMINE",
    "PC 978.5 BENCH WARRANT, FAILURE TO APPEAR",
    "PC 647(F) DISORDERLY CONDUCT: INTOX",
    "PC 422 CRIMINAL THREATS",
    "PC 496(A) RECEIVE KNOWN STOLEN PROPERTY",
];

/// Amendment notes appended to a charge text on a second line (an embedded
/// newline inside a quoted CSV field, as some jail systems export them).
pub const CHARGE_AMENDMENTS: &[&str] = &[
    "AMENDED FROM PC 664/211",
    "REDUCED TO MISDEMEANOR PER PC 17(B)",
    "ADDED AT ARRAIGNMENT",
];

pub const BAIL_AMOUNTS: &[u32] = &[
    2_500, 5_000, 10_000, 15_000, 20_000, 25_000, 50_000, 75_000, 100_000, 250_000, 500_000,
];

pub const LIFT_REASONS: &[&str] = &[
    "ICE CANCELLED DETAINER",
    "DETAINER WITHDRAWN BY ERO",
    "NOT AMENABLE TO REMOVAL",
    "SUBJECT IS USC",
];

pub const DETAINER_REMARKS: &[&str] = &[
    "RECEIVED BY FAX, ERO FIELD OFFICE",
    "RECEIVED VIA LESC, ELECTRONIC",
    "",
    "",
    "HOLD PER ICE, CALL BEFORE RELEASE",
];

#[cfg(test)]
mod tests {
    use crate::generate::names;

    #[test]
    fn every_name_is_windows_1252() {
        let all = names::FIRST_NAMES_MALE
            .iter()
            .chain(names::FIRST_NAMES_FEMALE)
            .chain(names::LAST_NAMES)
            .chain(names::MIDDLE_NAMES);
        for name in all {
            for n in [name.to_string(), name.to_uppercase()] {
                let (_, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&n);
                assert!(!unmappable, "{n} is not in Windows-1252");
            }
        }
    }
}
