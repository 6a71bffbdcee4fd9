"""Residents' names, by the country a household's members come from."""

from __future__ import annotations

from dataclasses import dataclass

# --- Names -------------------------------------------------------------------------------


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(","))


@dataclass(frozen=True)
class NameGroup:
    """First names by birth cohort (before 1960, 1960–1989, from 1990) and surnames."""

    women: tuple[tuple[str, ...], ...]
    men: tuple[tuple[str, ...], ...]
    surnames: tuple[str, ...]


def _group(*, women: tuple[str, ...], men: tuple[str, ...], surnames: str) -> NameGroup:
    """A group from comma-separated lists: three cohorts each of women and men, or one list
    for a group whose naming fashions we do not split by generation."""
    if len(women) == 1:
        women, men = women * 3, men * 3
    return NameGroup(
        women=tuple(_names(cohort) for cohort in women),
        men=tuple(_names(cohort) for cohort in men),
        surnames=_names(surnames),
    )


@dataclass(frozen=True)
class CountryNames:
    native: tuple[tuple[int, NameGroup], ...]
    migrant: tuple[tuple[int, NameGroup], ...]
    migrant_share: float
    # Spain: everyone carries two surnames, a child the first of each parent's.
    two_surnames: bool
    spouse_takes_surname: float
    # Typical share of gross income going to income tax and social contributions.
    tax_rate: float


CATALAN = _group(
    women=(
        "Montserrat, Núria, Rosa, Mercè, Carme, Dolors, Pilar, Teresa, Antònia",
        "Laura, Marta, Anna, Cristina, Sílvia, Elena, Raquel, Gemma, Mònica, Eva",
        "Júlia, Martina, Laia, Paula, Aina, Clàudia, Ona, Emma, Lucía, Carla",
    ),
    men=(
        "Josep, Joan, Jordi, Antoni, Francesc, Manuel, Ramon, Pere, Miquel",
        "David, Marc, Xavier, Sergi, Albert, Carles, Òscar, Daniel, Jaume, Pau",
        "Pol, Arnau, Biel, Nil, Jan, Àlex, Hugo, Martí, Eric, Leo, Oriol",
    ),
    surnames="Garcia, Martínez, López, Puig, Vidal, Soler, Ferrer, Font, Serra, Roca, Pujol, "
    "Sala, Martí, Casals, Vila, Costa, Fernández, Sánchez, Rodríguez, Pérez, Romero, Navarro, "
    "Camps, Riera, Bosch, Pons",
)
ROMANIAN = _group(
    women=(
        "Maria, Elena, Ioana, Ana, Viorica, Floarea, Georgeta, Rodica",
        "Mihaela, Cristina, Daniela, Gabriela, Simona, Monica, Adriana, Loredana",
        "Andreea, Alexandra, Bianca, Ioana, Daria, Sofia, Irina, Ilinca",
    ),
    men=(
        "Ion, Gheorghe, Vasile, Constantin, Nicolae, Petru, Ioan, Dumitru",
        "Mihai, Florin, Adrian, Cristian, Dan, Marius, Sorin, Bogdan",
        "Andrei, Alexandru, David, Ștefan, Matei, Luca, Tudor, Rareș",
    ),
    surnames="Pop, Popescu, Moldovan, Rus, Mureșan, Câmpean, Sabău, Crișan, Oltean, Cozma, "
    "Lazăr, Man, Bogdan, Vlad, Marin, Dragoș, Suciu",
)
HUNGARIAN = _group(
    women=(
        "Erzsébet, Katalin, Ilona, Mária, Margit",
        "Krisztina, Andrea, Enikő, Tímea, Ildikó",
        "Réka, Boglárka, Anna, Zsófia, Hanna",
    ),
    men=(
        "István, László, József, Ferenc, Sándor",
        "Attila, Zoltán, Csaba, Levente, Tibor",
        "Bence, Máté, Dániel, Ádám, Botond",
    ),
    surnames="Kovács, Szabó, Nagy, Tóth, Molnár, Farkas, Balogh, Székely",
)
GERMAN = _group(
    women=(
        "Ursula, Helga, Renate, Christa, Brigitte, Ingrid, Gisela, Monika",
        "Katrin, Anja, Sandra, Susanne, Nicole, Claudia, Kerstin, Stefanie",
        "Lea, Hannah, Emma, Mia, Lena, Sophie, Marie, Clara, Johanna",
    ),
    men=(
        "Klaus, Wolfgang, Jürgen, Dieter, Manfred, Peter, Günter, Horst",
        "Thomas, Andreas, Michael, Stefan, Frank, Jens, Sven, Matthias",
        "Paul, Felix, Jonas, Leon, Max, Ben, Lukas, Emil, Noah",
    ),
    surnames="Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Hoffmann, "
    "Schulze, Richter, Wolf, Neumann, Krause, Lehmann, Zimmermann, Hartmann, Kühn",
)
FRENCH = _group(
    women=(
        "Monique, Jacqueline, Françoise, Michèle, Nicole, Colette, Danielle",
        "Nathalie, Isabelle, Sandrine, Céline, Valérie, Stéphanie, Aurélie",
        "Camille, Léa, Chloé, Manon, Inès, Louise, Jade, Alice, Lina",
    ),
    men=(
        "Jean, Michel, Bernard, Gérard, Alain, Jacques, Pierre, René",
        "Christophe, Stéphane, Laurent, Nicolas, Olivier, Sébastien, Julien",
        "Lucas, Hugo, Louis, Gabriel, Arthur, Jules, Nathan, Raphaël, Théo",
    ),
    surnames="Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy, Moreau, "
    "Simon, Laurent, Lefebvre, Michel, Girard, Rousseau, Fournier, Chevalier, Mercier, Blanc, "
    "Faure, Guillot",
)
ANDEAN = _group(
    women=("Valentina, Camila, Daniela, Mariana, Gabriela, Ana Lucía",),
    men=("Santiago, Mateo, Luis Fernando, Andrés, Jhon, Carlos",),
    surnames="Quispe, Mamani, Vargas, Castillo, Gutiérrez, Paredes, Rojas",
)
MAGHREBI = _group(
    women=("Fatima, Khadija, Salma, Nadia, Yasmina, Samira, Leïla, Amira",),
    men=("Mohamed, Youssef, Hamza, Karim, Rachid, Mehdi, Yacine, Sofiane",),
    surnames="El Amrani, Benali, El Idrissi, Bouzid, Mansouri, Haddad, Belkacem, Cherif, Boukhari",
)
SOUTH_ASIAN = _group(
    women=("Ayesha, Sana, Nusrat, Rabia",),
    men=("Imran, Bilal, Tariq, Usman",),
    surnames="Khan, Hussain, Malik, Ahmed, Iqbal",
)
MOLDOVAN = _group(
    women=("Natalia, Olga, Tatiana, Ana, Cristina",),
    men=("Ion, Vadim, Sergiu, Victor, Dorin",),
    surnames="Rusu, Ciobanu, Munteanu, Cebotari, Guțu",
)
LEVANTINE = _group(
    women=("Rasha, Lina, Hiba, Nour, Reem, Dima",),
    men=("Ahmad, Omar, Khaled, Samer, Yazan, Firas",),
    surnames="Al-Hassan, Haddad, Darwish, Khalil, Nasser, Saleh",
)
UKRAINIAN = _group(
    women=("Olena, Iryna, Kateryna, Oksana, Yuliia, Tetiana",),
    men=("Oleksandr, Dmytro, Andrii, Serhii, Mykola, Taras",),
    surnames="Shevchenko, Kovalenko, Bondarenko, Melnyk, Tkachenko, Kravchuk",
)
TURKISH = _group(
    women=("Ayşe, Elif, Zeynep, Fatma, Merve",),
    men=("Mehmet, Ali, Emre, Murat, Can",),
    surnames="Yılmaz, Kaya, Demir, Şahin, Çelik, Öztürk",
)
VIETNAMESE = _group(
    women=("Lan, Hoa, Thu, Linh, Mai",),
    men=("Minh, Tuan, Duc, Hung, Quang",),
    surnames="Nguyen, Tran, Pham, Le, Vu, Hoang",
)
WEST_AFRICAN = _group(
    women=("Aminata, Fatoumata, Mariam, Awa, Kadiatou",),
    men=("Moussa, Mamadou, Ibrahima, Seydou, Abdoulaye",),
    surnames="Diallo, Traoré, Camara, Koné, Diop, Sow",
)
PORTUGUESE = _group(
    women=("Ana, Maria, Sofia, Inês, Beatriz",),
    men=("João, Pedro, Tiago, Rui, Nuno",),
    surnames="Silva, Ferreira, Pereira, Costa, Santos, Oliveira",
)

COUNTRY_NAMES: dict[str, CountryNames] = {
    "ES": CountryNames(
        native=((100, CATALAN),),
        migrant=((45, ANDEAN), (35, MAGHREBI), (20, SOUTH_ASIAN)),
        migrant_share=0.18,
        two_surnames=True,
        spouse_takes_surname=0.0,
        tax_rate=0.19,
    ),
    "RO": CountryNames(
        # Cluj-Napoca's Hungarian-speaking minority are natives, not migrants.
        native=((85, ROMANIAN), (15, HUNGARIAN)),
        migrant=((50, MOLDOVAN), (30, UKRAINIAN), (20, LEVANTINE)),
        migrant_share=0.04,
        two_surnames=False,
        spouse_takes_surname=0.75,
        tax_rate=0.40,
    ),
    "DE": CountryNames(
        native=((100, GERMAN),),
        # Dresden's Vietnamese community dates back to the GDR's contract workers.
        migrant=((30, TURKISH), (25, LEVANTINE), (25, VIETNAMESE), (20, UKRAINIAN)),
        migrant_share=0.12,
        two_surnames=False,
        spouse_takes_surname=0.7,
        tax_rate=0.34,
    ),
    "FR": CountryNames(
        native=((100, FRENCH),),
        migrant=((45, MAGHREBI), (35, WEST_AFRICAN), (20, PORTUGUESE)),
        migrant_share=0.15,
        two_surnames=False,
        spouse_takes_surname=0.55,
        tax_rate=0.23,
    ),
}
