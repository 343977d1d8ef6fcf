import Ladder
